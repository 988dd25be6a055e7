import { type AuthSettings, authSettingsOf } from './auth/auth-settings.js';
import type { ProfileMode, ValidationMode } from './validation/validator.js';
import { RESOURCE_TYPES, isResourceType } from './fhir/resource-types.js';
import { DEFAULT_CONTENT_SEARCH_TYPES } from './search/word-parameters.js';

/** Server settings, read once from the environment and checked with a clear message per bad value. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** TERMINOLOGY_DIR: CodeSystem/ValueSet JSON (NSI dictionaries from `npm run load-dictionary`) read at start after profiles/. */
  terminologyDir: string;
  /** CONTENT_SEARCH_TYPES: the resource types whose words `_content` indexes (each write of them costs index keys). */
  contentSearchTypes: string[];
  mongodbUri?: string;
  /** The public FHIR base URL; when unset it is derived from each request's Host header. */
  baseUrl?: string;
  bodyLimit: number;
  logLevel: string;
  /** VALIDATION: strict rejects invalid writes (422), lenient stores them and reports the issues, off skips validation. */
  validation: ValidationMode;
  /** AUDIT: on records an AuditEvent for every interaction; off only for measuring its cost. */
  audit: 'on' | 'off';
  /** PROFILES: egisz enforces the EGISZ profile of each type; none only base R4 and the profiles a resource claims. */
  profiles: ProfileMode;
  /** ATTACHMENT_LIMIT: the largest attachment (Binary content, presentedForm) accepted, in bytes. */
  attachmentLimit: number;
  signing: SigningSettings;
  subscriptions: SubscriptionSettings;
  auth: AuthSettings;
  /** RATE_LIMIT per RATE_LIMIT_WINDOW: requests each client (its token's client id, else its address) may make; 0 is no limit. */
  rateLimit: WindowLimit;
  /** AUTH_FAILURE_LIMIT per AUTH_FAILURE_WINDOW: 401s one address gets before its further failed attempts get 429. */
  authFailureLimit: WindowLimit;
  /** JSON_MAX_DEPTH: how deep objects and arrays may nest in a JSON body. */
  jsonMaxDepth: number;
  /** CORS_ORIGINS: browser origins allowed to call the server, or ['*'] for any; empty is no CORS. */
  corsOrigins: string[];
  /**
   * TRUST_PROXY: which proxies' X-Forwarded-For to believe for the client address (audit records,
   * per-address limits): unset none, `true` any, a number of hops, or addresses and CIDR ranges.
   */
  trustProxy: boolean | number | string[];
  /** SHUTDOWN_TIMEOUT: seconds a shutdown waits for in-flight requests before it closes their connections. */
  shutdownTimeoutSeconds: number;
}

/** A count allowed in each fixed window of time; max 0 turns the limit off. */
export interface WindowLimit {
  max: number;
  windowMs: number;
}

/** How the subscription dispatcher delivers. */
export interface SubscriptionSettings {
  /** SUBSCRIPTION_RETRY_HORIZON: seconds after an event is queued that its delivery is retried; then the subscription is set to error. */
  retryHorizonSeconds: number;
  /** SUBSCRIPTION_RETRY_BASE_MS: the first retry's delay; each next one doubles (with jitter) up to SUBSCRIPTION_RETRY_MAX_MS. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** SUBSCRIPTION_TIMEOUT: seconds an endpoint has to answer, unless the subscription says otherwise. */
  timeoutSeconds: number;
  /** SUBSCRIPTION_CONCURRENCY: subscriptions delivered at once by one process. */
  concurrency: number;
  /** SUBSCRIPTION_LEASE: seconds a process holds a subscription's deliveries between renewals; longer than the timeout. */
  leaseSeconds: number;
}

/** Where the server's signing key, its certificate chain and the trusted CA certificates come from. */
export interface SigningSettings {
  /** SIGNING_KEY_FILE + SIGNING_CERT_FILE: a PEM private key and a PEM certificate chain (signer first). */
  keyFile?: string;
  certFile?: string;
  /** SIGNING_P12_FILE: a PKCS#12 file holding the key and its chain (instead of the PEM pair). */
  p12File?: string;
  /** SIGNING_KEY_PASSWORD: the password of the PKCS#12 file or of an encrypted PEM key. */
  password?: string;
  /** SIGNING_TRUST_STORE: comma-separated PEM files or directories of trusted CA certificates. */
  trustStore: string[];
  /** SIGNATURE_FORMAT: what the server signs with unless asked otherwise (jws or cms). */
  format: 'jws' | 'cms';
  /** SIGNATURE_REQUIRED_TYPES: Bundle types (transaction, batch, document) that must arrive signed. */
  requiredForTypes: string[];
  /** SIGNATURE_REQUIRED_CLIENTS: clients whose bundles must arrive signed. */
  requiredForClients: string[];
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!allowed.includes(raw as T)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function baseUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new ConfigError(`BASE_URL must be an absolute http(s) URL such as https://fhir.example.ru/fhir, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

/** Where the loaded NSI dictionaries live; the loader command writes there too. */
export function terminologyDirOf(env: NodeJS.ProcessEnv): string {
  return env.TERMINOLOGY_DIR || './terminology';
}

function list(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** `*` is every type, `none` no type, otherwise a comma-separated list of resource types. */
function contentSearchTypesOf(raw: string | undefined): string[] {
  const setting = (raw ?? '').trim();
  if (setting === '') return [...DEFAULT_CONTENT_SEARCH_TYPES];
  if (setting === '*') return [...RESOURCE_TYPES];
  if (setting === 'none') return [];
  const types = list(setting);
  const bad = types.find((type) => !isResourceType(type));
  if (bad !== undefined) throw new ConfigError(`CONTENT_SEARCH_TYPES is *, none, or resource types such as DiagnosticReport,Composition, got "${bad}"`);
  return types;
}

const SIGNABLE_INTAKE = ['transaction', 'batch', 'document'];

export function signingSettingsOf(env: NodeJS.ProcessEnv): SigningSettings {
  const requiredForTypes = list(env.SIGNATURE_REQUIRED_TYPES);
  const unknown = requiredForTypes.find((type) => !SIGNABLE_INTAKE.includes(type));
  if (unknown) throw new ConfigError(`SIGNATURE_REQUIRED_TYPES lists Bundle types among ${SIGNABLE_INTAKE.join(', ')}, got "${unknown}"`);
  if (env.SIGNING_P12_FILE && (env.SIGNING_KEY_FILE || env.SIGNING_CERT_FILE)) throw new ConfigError('Set either SIGNING_P12_FILE or SIGNING_KEY_FILE with SIGNING_CERT_FILE, not both');
  if (Boolean(env.SIGNING_KEY_FILE) !== Boolean(env.SIGNING_CERT_FILE)) throw new ConfigError('SIGNING_KEY_FILE and SIGNING_CERT_FILE go together');
  return {
    keyFile: env.SIGNING_KEY_FILE || undefined,
    certFile: env.SIGNING_CERT_FILE || undefined,
    p12File: env.SIGNING_P12_FILE || undefined,
    password: env.SIGNING_KEY_PASSWORD || undefined,
    trustStore: list(env.SIGNING_TRUST_STORE),
    format: oneOf(env, 'SIGNATURE_FORMAT', ['jws', 'cms'] as const, 'jws'),
    requiredForTypes,
    requiredForClients: list(env.SIGNATURE_REQUIRED_CLIENTS),
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info');
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '0.0.0.0',
    dataDir: env.DATA_DIR || './data',
    terminologyDir: terminologyDirOf(env),
    contentSearchTypes: contentSearchTypesOf(env.CONTENT_SEARCH_TYPES),
    mongodbUri: env.MONGODB_URI || undefined,
    baseUrl: baseUrl(env.BASE_URL),
    bodyLimit: integer(env, 'BODY_LIMIT', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    logLevel,
    validation: oneOf(env, 'VALIDATION', ['strict', 'lenient', 'off'] as const, 'strict'),
    audit: oneOf(env, 'AUDIT', ['on', 'off'] as const, 'on'),
    profiles: oneOf(env, 'PROFILES', ['egisz', 'none'] as const, 'egisz'),
    attachmentLimit: integer(env, 'ATTACHMENT_LIMIT', 10 * 1024 * 1024, 1, 1024 * 1024 * 1024),
    signing: signingSettingsOf(env),
    subscriptions: subscriptionSettingsOf(env),
    auth: authSettingsOf(env),
    rateLimit: windowLimit(env, ['RATE_LIMIT', 'RATE_LIMIT_WINDOW'], 60_000),
    authFailureLimit: windowLimit(env, ['AUTH_FAILURE_LIMIT', 'AUTH_FAILURE_WINDOW'], 10),
    jsonMaxDepth: integer(env, 'JSON_MAX_DEPTH', 64, 8, 1000),
    corsOrigins: corsOriginsOf(env.CORS_ORIGINS),
    trustProxy: trustProxyOf(env.TRUST_PROXY),
    shutdownTimeoutSeconds: integer(env, 'SHUTDOWN_TIMEOUT', 30, 1, 3600),
  };
}

/** A count (0 for off) per a window of seconds, a minute unless set. */
function windowLimit(env: NodeJS.ProcessEnv, [countName, windowName]: [string, string], fallback: number): WindowLimit {
  return { max: integer(env, countName, fallback, 0, 1_000_000), windowMs: integer(env, windowName, 60, 1, 24 * 3600) * 1000 };
}

function corsOriginsOf(raw: string | undefined): string[] {
  const origins = list(raw);
  if (origins.includes('*') && origins.length > 1) throw new ConfigError(`CORS_ORIGINS is either * or a list of origins, not both, got "${raw}"`);
  const bad = origins.find((origin) => origin !== '*' && !isOrigin(origin));
  if (bad) throw new ConfigError(`CORS_ORIGINS lists origins such as https://app.example.ru (scheme, host and port only, no path), got "${bad}"`);
  return origins;
}

const ADDRESS_OR_RANGE = /^[0-9a-fA-F:.]+(\/\d{1,3})?$/;

function trustProxyOf(raw: string | undefined): boolean | number | string[] {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  const proxies = list(raw);
  const bad = proxies.find((proxy) => !ADDRESS_OR_RANGE.test(proxy));
  if (bad) throw new ConfigError(`TRUST_PROXY is true, a number of hops, or IP addresses and CIDR ranges such as 10.0.0.0/8, got "${bad}"`);
  return proxies;
}

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
  } catch {
    return false;
  }
}

function subscriptionSettingsOf(env: NodeJS.ProcessEnv): SubscriptionSettings {
  const settings = {
    retryHorizonSeconds: integer(env, 'SUBSCRIPTION_RETRY_HORIZON', 72 * 3600, 1, 365 * 24 * 3600),
    retryBaseMs: integer(env, 'SUBSCRIPTION_RETRY_BASE_MS', 1000, 1, 3_600_000),
    retryMaxMs: integer(env, 'SUBSCRIPTION_RETRY_MAX_MS', 10 * 60_000, 1, 24 * 3_600_000),
    timeoutSeconds: integer(env, 'SUBSCRIPTION_TIMEOUT', 10, 1, 600),
    concurrency: integer(env, 'SUBSCRIPTION_CONCURRENCY', 16, 1, 1000),
    leaseSeconds: integer(env, 'SUBSCRIPTION_LEASE', 30, 2, 3600),
  };
  if (settings.leaseSeconds <= settings.timeoutSeconds) throw new ConfigError(`SUBSCRIPTION_LEASE (${settings.leaseSeconds} s) must be longer than SUBSCRIPTION_TIMEOUT (${settings.timeoutSeconds} s)`);
  return settings;
}
