import type { ProfileMode, ValidationMode } from './validation/validator.js';

/** Server settings, read once from the environment and checked with a clear message per bad value. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** TERMINOLOGY_DIR: CodeSystem/ValueSet JSON (NSI dictionaries from `npm run load-dictionary`) read at start after profiles/. */
  terminologyDir: string;
  mongodbUri?: string;
  /** The public FHIR base URL; when unset it is derived from each request's Host header. */
  baseUrl?: string;
  bodyLimit: number;
  logLevel: string;
  /** VALIDATION: strict rejects invalid writes (422), lenient stores them and reports the issues, off skips validation. */
  validation: ValidationMode;
  /** PROFILES: egisz enforces the EGISZ profile of each type; none only base R4 and the profiles a resource claims. */
  profiles: ProfileMode;
  /** ATTACHMENT_LIMIT: the largest attachment (Binary content, presentedForm) accepted, in bytes. */
  attachmentLimit: number;
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info');
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '0.0.0.0',
    dataDir: env.DATA_DIR || './data',
    terminologyDir: terminologyDirOf(env),
    mongodbUri: env.MONGODB_URI || undefined,
    baseUrl: baseUrl(env.BASE_URL),
    bodyLimit: integer(env, 'BODY_LIMIT', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    logLevel,
    validation: oneOf(env, 'VALIDATION', ['strict', 'lenient', 'off'] as const, 'strict'),
    profiles: oneOf(env, 'PROFILES', ['egisz', 'none'] as const, 'egisz'),
    attachmentLimit: integer(env, 'ATTACHMENT_LIMIT', 10 * 1024 * 1024, 1, 1024 * 1024 * 1024),
  };
}
