/** Why a bearer token was refused: short enough for WWW-Authenticate, and never the token itself. */
export type TokenRejection =
  | 'missing'
  | 'malformed'
  | 'bad signature'
  | 'expired'
  | 'not yet valid'
  | 'wrong issuer'
  | 'wrong audience'
  | 'unknown key'
  | 'algorithm not allowed';

/** The request carries no usable token: answer 401 with `wwwAuthenticate`. */
export class AuthenticationError extends Error {
  readonly error = 'invalid_token';

  constructor(readonly reason: TokenRejection) {
    super(`invalid_token: ${reason}`);
    this.name = 'AuthenticationError';
  }

  /** The WWW-Authenticate header value (RFC 6750 section 3). */
  get wwwAuthenticate(): string {
    return `Bearer error="${this.error}", error_description="${this.reason}"`;
  }
}

/** The issuer's keys could not be had (AUTH_JWKS_URL unreachable or serving no key set): the server's problem, so 503, not 401. */
export class KeySetUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeySetUnavailableError';
  }
}
