import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { ConfigError } from '../config.js';
import type { AuthSettings } from './auth-settings.js';
import { AuthenticationError, KeySetUnavailableError, type TokenRejection } from './authentication-error.js';
import { parseSmartScopes, type SmartScope } from './smart-scopes.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/** Who a verified token speaks for and what it may do. */
export interface AuthenticatedClient {
  /** client_id, else azp, else sub. */
  clientId: string;
  subject?: string;
  scopes: SmartScope[];
  rawScope: string;
  /** The `patient` claim as a Patient id (a `Patient/<id>` reference is cut to the id). */
  patient?: string;
  /** The `organization` claim as `Organization/<id>`, whether the token gave the reference or the id. */
  organization?: string;
  expiresAt: Date;
}

const ALGORITHMS = ['RS256', 'ES256'];
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

const CLAIM_REJECTIONS: Record<string, TokenRejection> = {
  iss: 'wrong issuer',
  aud: 'wrong audience',
  nbf: 'not yet valid',
};

/** The JOSE failures a token itself causes, each as the reason the client is told. */
function rejectionOf(err: unknown): AuthenticationError | undefined {
  if (err instanceof errors.JWTExpired) return new AuthenticationError('expired');
  if (err instanceof errors.JWTClaimValidationFailed) return new AuthenticationError(CLAIM_REJECTIONS[err.claim] ?? 'malformed');
  if (err instanceof errors.JOSEAlgNotAllowed) return new AuthenticationError('algorithm not allowed');
  if (err instanceof errors.JWSSignatureVerificationFailed) return new AuthenticationError('bad signature');
  if (err instanceof errors.JWKSNoMatchingKey) return new AuthenticationError('unknown key');
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JOSENotSupported) return new AuthenticationError('malformed');
  return undefined;
}

function bearerTokenOf(authorization: string | undefined): string {
  const [scheme, ...rest] = (authorization ?? '').trim().split(/\s+/);
  if (scheme.toLowerCase() !== 'bearer') throw new AuthenticationError('missing');
  if (rest.length !== 1) throw new AuthenticationError('malformed');
  return rest[0];
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === 'string' && value !== '');
}

function scopeClaimOf(scope: unknown): string {
  if (scope === undefined) return '';
  if (typeof scope === 'string') return scope;
  if (Array.isArray(scope) && scope.every((item) => typeof item === 'string')) return scope.join(' ');
  throw new AuthenticationError('malformed');
}

/** A claim holding `<type>/<id>` or a bare id, as the id; a claim in any other shape makes the token malformed. */
function idClaimOf(value: unknown, type: string): string | undefined {
  if (value === undefined) return undefined;
  const id = typeof value === 'string' ? value.replace(new RegExp(`^${type}/`), '') : undefined;
  if (id === undefined || !FHIR_ID.test(id)) throw new AuthenticationError('malformed');
  return id;
}

function clientOf(payload: JWTPayload): AuthenticatedClient {
  const clientId = firstString(payload.client_id, payload.azp, payload.sub);
  if (!clientId || payload.exp === undefined) throw new AuthenticationError('malformed');
  const rawScope = scopeClaimOf(payload.scope);
  const client: AuthenticatedClient = { clientId, scopes: parseSmartScopes(rawScope), rawScope, expiresAt: new Date(payload.exp * 1000) };
  if (typeof payload.sub === 'string') client.subject = payload.sub;
  const patient = idClaimOf(payload.patient, 'Patient');
  if (patient !== undefined) client.patient = patient;
  const organization = idClaimOf(payload.organization, 'Organization');
  if (organization !== undefined) client.organization = `Organization/${organization}`;
  return client;
}

async function localKeySet(file: string): Promise<JWTVerifyGetKey> {
  let keySet: unknown;
  try {
    keySet = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`AUTH_JWKS_FILE ${file} cannot be read as JSON: ${(err as Error).message}`);
  }
  const keys = (keySet as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new ConfigError(`AUTH_JWKS_FILE ${file} is not a JSON Web Key Set: it needs {"keys": [...]} with at least one key`);
  if (keys.some((key) => typeof key === 'object' && key !== null && 'd' in key)) throw new ConfigError(`AUTH_JWKS_FILE ${file} holds a private key: give the public keys only`);
  try {
    return createLocalJWKSet(keySet as Parameters<typeof createLocalJWKSet>[0]);
  } catch (err) {
    throw new ConfigError(`AUTH_JWKS_FILE ${file} is not a JSON Web Key Set: ${(err as Error).message}`);
  }
}

/** Checks bearer JWTs against the issuer's keys (a JWKS file or URL), issuer, audience and lifetime. */
export class TokenVerifier {
  private constructor(
    private readonly keys: JWTVerifyGetKey,
    private readonly options: JWTVerifyOptions,
    private readonly remoteKeys: string | undefined,
    private readonly clock: () => Date,
  ) {
    this.verified = new VerifiedTokenCache(((options.clockTolerance as number | undefined) ?? 0) * 1000);
  }

  private readonly verified: VerifiedTokenCache;

  /** `audience` is AUTH_AUDIENCE or else the server's FHIR base URL; `clock` is for tests of the lifetime edges. */
  static async create(settings: AuthSettings, audience: string, clock: () => Date = () => new Date()): Promise<TokenVerifier> {
    if (!settings.issuer) throw new ConfigError('AUTH_ISSUER is required to verify tokens');
    const options: JWTVerifyOptions = { algorithms: ALGORITHMS, issuer: settings.issuer, audience, clockTolerance: settings.clockSkewSeconds, requiredClaims: ['exp'] };
    if (settings.jwksFile) return new TokenVerifier(await localKeySet(settings.jwksFile), options, undefined, clock);
    if (settings.jwksUrl) return new TokenVerifier(createRemoteJWKSet(new URL(settings.jwksUrl)), options, settings.jwksUrl, clock);
    throw new ConfigError('AUTH_JWKS_FILE or AUTH_JWKS_URL is required to verify tokens');
  }

  /**
   * The client an `Authorization: Bearer <jwt>` header speaks for. A bad token throws AuthenticationError (401);
   * an unreachable AUTH_JWKS_URL throws KeySetUnavailableError (503).
   */
  async verify(authorization: string | undefined): Promise<AuthenticatedClient> {
    const token = bearerTokenOf(authorization);
    const known = this.verified.get(token, this.clock().getTime());
    if (known) return known;
    const client = clientOf(await this.verifiedPayload(token));
    this.verified.set(token, client);
    return client;
  }

  private async verifiedPayload(token: string): Promise<JWTPayload> {
    const options = { ...this.options, currentDate: this.clock() };
    try {
      return (await jwtVerify(token, this.keys, options)).payload;
    } catch (err) {
      if (err instanceof errors.JWKSMultipleMatchingKeys) return this.verifiedByAnyOf(token, err, options);
      throw this.failureOf(err);
    }
  }

  /** Several keys fit a token without `kid` (as in a key rotation): the one whose signature checks decides. */
  private async verifiedByAnyOf(token: string, candidates: errors.JWKSMultipleMatchingKeys, options: JWTVerifyOptions): Promise<JWTPayload> {
    for await (const key of candidates) {
      try {
        return (await jwtVerify(token, key, options)).payload;
      } catch (err) {
        if (!(err instanceof errors.JWSSignatureVerificationFailed)) throw this.failureOf(err);
      }
    }
    throw new AuthenticationError('bad signature');
  }

  private failureOf(err: unknown): Error {
    const rejection = rejectionOf(err);
    if (rejection) return rejection;
    if (this.remoteKeys) return new KeySetUnavailableError(`The token issuer's keys at ${this.remoteKeys} cannot be had: ${(err as Error).message}`, { cause: err });
    return err as Error;
  }
}
