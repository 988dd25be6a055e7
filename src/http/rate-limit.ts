import type { FastifyInstance } from 'fastify';
import type { WindowLimit } from '../config.js';
import { FhirError } from '../fhir/errors.js';
import { isPublicRequest } from './authentication.js';
import { FixedWindowCounter } from './fixed-window-counter.js';

/**
 * RATE_LIMIT: each client gets its own budget of requests per window; over it, 429 with Retry-After.
 * A client is its token's client id, so the clients behind one address do not share a budget;
 * without a token (AUTH=off) it is the address, as X-Client-Id proves nothing and would let a
 * client dodge the limit by changing it. Registered after authentication, whose hook puts the
 * client on the request, and still in onRequest, so a refused request's body is never read.
 * The public requests (GET /fhir/metadata, /healthz, /readyz, /metrics) are not counted: probes and
 * scrapers call them often, and they carry no token to budget by.
 */
export function registerRateLimit(app: FastifyInstance, limit: WindowLimit): void {
  if (limit.max === 0) return;
  const requests = new FixedWindowCounter(limit.windowMs);
  app.addHook('onRequest', async (request, reply) => {
    if (isPublicRequest(request)) return;
    const key = request.fhirClient ? `client ${request.fhirClient.clientId}` : `address ${request.ip}`;
    const { count, retryAfterSeconds } = requests.hit(key);
    if (count <= limit.max) return;
    reply.header('Retry-After', String(retryAfterSeconds));
    throw new FhirError('FHIR_ERR_RATE_LIMITED', [limit.max, limit.windowMs / 1000, retryAfterSeconds]);
  });
}
