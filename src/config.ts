/** Server settings, read once from the environment and checked with a clear message per bad value. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  mongodbUri?: string;
  /** The public FHIR base URL; when unset it is derived from each request's Host header. */
  baseUrl?: string;
  bodyLimit: number;
  logLevel: string;
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '0.0.0.0',
    dataDir: env.DATA_DIR || './data',
    mongodbUri: env.MONGODB_URI || undefined,
    baseUrl: baseUrl(env.BASE_URL),
    bodyLimit: integer(env, 'BODY_LIMIT', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    logLevel,
  };
}
