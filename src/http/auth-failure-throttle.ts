import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WindowLimit } from '../config.js';
import { FhirError } from '../fhir/errors.js';
import { FixedWindowCounter } from './fixed-window-counter.js';

/**
 * AUTH_FAILURE_LIMIT: after that many failed authentications (401s) from one address in a window,
 * its further failed attempts get 429 with Retry-After instead of 401 until the window ends.
 *
 * Only failed attempts are refused: a request with a valid token still goes through from a throttled
 * address. A token's signature proves itself, so refusing it would add no safety, while one broken
 * or hostile client behind a shared address (a clinic's NAT, a proxy) would lock out every
 * legitimate client there. What the throttle gives is a clear "back off" to the failing client and
 * a bounded count of 401s per address in the logs and audit.
 */
export class AuthFailureThrottle {
  private readonly failures: FixedWindowCounter;

  constructor(private readonly limit: WindowLimit) {
    this.failures = new FixedWindowCounter(limit.windowMs);
  }

  /** Counts a failed attempt from the request's address; the 429 to answer instead of the 401 once over the limit. */
  refusalOf(request: FastifyRequest, reply: FastifyReply): FhirError | undefined {
    if (this.limit.max === 0) return undefined;
    const { count, retryAfterSeconds } = this.failures.hit(request.ip);
    if (count <= this.limit.max) return undefined;
    reply.header('Retry-After', String(retryAfterSeconds));
    return new FhirError('FHIR_ERR_AUTH_THROTTLED', [this.limit.max, this.limit.windowMs / 1000, retryAfterSeconds]);
  }
}
