/**
 * Bearer-token authentication (AUTH=on, the default): every request but GET /metadata and the
 * operations endpoints (/healthz, /readyz, /metrics) carries a JWT the token issuer signed; its
 * client and scopes ride on the request. A missing or bad token gets 401 with WWW-Authenticate;
 * unreachable issuer keys get 503. Without an issuer configured the server trusts the development
 * key set in DATA_DIR/auth (npm run token mints tokens for it).
 * AUTH=off lets every request in, with a warning at start.
 */
import { join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { type AuthSettings, usesDevelopmentKeys } from '../auth/auth-settings.js';
import { AuthenticationError, KeySetUnavailableError } from '../auth/authentication-error.js';
import { ensureDevKey } from '../auth/dev-tokens/dev-key-files.js';
import { DEFAULT_ISSUER } from '../auth/dev-tokens/options.js';
import { type AuthenticatedClient, TokenVerifier } from '../auth/token-verifier.js';
import { FhirError } from '../fhir/errors.js';
import { errorOutcome } from '../fhir/operation-outcome.js';
import { AuthFailureThrottle } from './auth-failure-throttle.js';
import { isOperationsRequest } from './operations-paths.js';

declare module 'fastify' {
  interface FastifyRequest {
    fhirClient?: AuthenticatedClient;
  }
}

const PUBLIC_PATHS = new Set(['/fhir/metadata']);

/** A request every client may make without a token: reading the CapabilityStatement, the health checks and metrics. */
export function isPublicRequest(request: FastifyRequest): boolean {
  return (request.method === 'GET' && PUBLIC_PATHS.has(request.url.split('?')[0]!)) || isOperationsRequest(request);
}

/** The settings tokens are checked with: the configured issuer, or the development key set. */
async function effectiveSettings(config: Config, log: FastifyBaseLogger): Promise<AuthSettings> {
  if (!usesDevelopmentKeys(config.auth)) return config.auth;
  const keys = await ensureDevKey(join(config.dataDir, 'auth'));
  log.warn({ jwks: keys.jwksFile, issuer: DEFAULT_ISSUER }, 'no token issuer configured (AUTH_JWKS_FILE or AUTH_JWKS_URL with AUTH_ISSUER): trusting the development key set; mint tokens with npm run token -- mint');
  return { ...config.auth, jwksFile: keys.jwksFile, issuer: DEFAULT_ISSUER };
}

function refuse(reply: FastifyReply, err: FhirError, wwwAuthenticate?: string): FastifyReply {
  if (wwwAuthenticate) reply.header('WWW-Authenticate', wwwAuthenticate);
  return reply.code(err.status).type('application/fhir+json; charset=utf-8').send(JSON.stringify(errorOutcome(err)));
}

export async function registerAuthentication(app: FastifyInstance, config: Config, audience: string): Promise<void> {
  // declared up front, so every request object has the same shape for V8 (fastify's decorators)
  app.decorateRequest('fhirClient', undefined);
  if (config.auth.mode === 'off') {
    app.log.warn('AUTH=off: every request is let in without a token; never run so in production');
    return;
  }
  const verifier = await TokenVerifier.create(await effectiveSettings(config, app.log), config.auth.audience ?? audience);
  const failures = new AuthFailureThrottle(config.authFailureLimit);
  app.addHook('onRequest', async (request, reply) => {
    if (isPublicRequest(request)) return;
    try {
      request.fhirClient = await verifier.verify(request.headers.authorization);
    } catch (err) {
      if (err instanceof AuthenticationError) {
        const throttled = failures.refusalOf(request, reply);
        if (throttled) return refuse(reply, throttled);
        // RFC 6750: a request without credentials gets the challenge without an error code
        return refuse(reply, new FhirError('FHIR_ERR_UNAUTHENTICATED', [err.reason]), err.reason === 'missing' ? 'Bearer realm="fhir"' : err.wwwAuthenticate);
      }
      if (err instanceof KeySetUnavailableError) {
        request.log.error({ err }, 'token issuer keys unavailable');
        return refuse(reply, new FhirError('FHIR_ERR_AUTH_UNAVAILABLE'));
      }
      throw err;
    }
  });
}
