import { ConfigError } from '../config.js';

/** How the server authenticates its clients: bearer JWTs checked against a JSON Web Key Set. */
export interface AuthSettings {
  /** AUTH: on (the default) requires a valid token on every request; off lets everyone in. */
  mode: 'on' | 'off';
  /** AUTH_JWKS_FILE: a JSON Web Key Set file with the issuer's public keys. */
  jwksFile?: string;
  /** AUTH_JWKS_URL: where the issuer publishes its JSON Web Key Set (instead of the file). */
  jwksUrl?: string;
  /** AUTH_ISSUER: the `iss` every token must carry. */
  issuer?: string;
  /** AUTH_AUDIENCE: the `aud` every token must carry; when unset the caller uses the server's FHIR base URL. */
  audience?: string;
  /** AUTH_CLOCK_SKEW: seconds of clock difference forgiven on `exp` and `nbf`. */
  clockSkewSeconds: number;
}

const DEFAULT_CLOCK_SKEW = 60;
const MAX_CLOCK_SKEW = 3600;

function modeOf(raw: string | undefined): AuthSettings['mode'] {
  if (raw === undefined || raw === '') return 'on';
  if (raw !== 'on' && raw !== 'off') throw new ConfigError(`AUTH must be on or off, got "${raw}"`);
  return raw;
}

function clockSkewOf(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_CLOCK_SKEW;
  const seconds = Number(raw);
  if (!/^\d+$/.test(raw) || seconds > MAX_CLOCK_SKEW) {
    throw new ConfigError(`AUTH_CLOCK_SKEW must be a whole number of seconds from 0 to ${MAX_CLOCK_SKEW}, got "${raw}"`);
  }
  return seconds;
}

function jwksUrlOf(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let protocol: string;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new ConfigError(`AUTH_JWKS_URL must be an absolute http(s) URL, got "${raw}"`);
  return raw;
}

function requireKeySource(settings: AuthSettings): void {
  if (settings.jwksFile && settings.jwksUrl) throw new ConfigError('Set either AUTH_JWKS_FILE or AUTH_JWKS_URL, not both');
  if (!settings.jwksFile && !settings.jwksUrl) {
    if (settings.issuer) throw new ConfigError('AUTH_ISSUER is set but not the issuer\'s keys: set AUTH_JWKS_FILE or AUTH_JWKS_URL too');
    return; // no issuer configured: the server trusts its development key set (see developmentAuth)
  }
  if (!settings.issuer) throw new ConfigError('AUTH=on needs AUTH_ISSUER (the "iss" of accepted tokens), or set AUTH=off');
}

/** Whether the server runs with auth on but no issuer configured, trusting the development key set in DATA_DIR. */
export function usesDevelopmentKeys(settings: AuthSettings): boolean {
  return settings.mode === 'on' && !settings.jwksFile && !settings.jwksUrl;
}

/** The AUTH_* settings; with AUTH=on a configured key source needs its issuer. */
export function authSettingsOf(env: NodeJS.ProcessEnv): AuthSettings {
  const settings: AuthSettings = {
    mode: modeOf(env.AUTH),
    jwksFile: env.AUTH_JWKS_FILE || undefined,
    jwksUrl: jwksUrlOf(env.AUTH_JWKS_URL),
    issuer: env.AUTH_ISSUER || undefined,
    audience: env.AUTH_AUDIENCE || undefined,
    clockSkewSeconds: clockSkewOf(env.AUTH_CLOCK_SKEW),
  };
  if (settings.mode === 'on') requireKeySource(settings);
  return settings;
}
