/**
 * The operations endpoints, outside the FHIR base: for load balancers, orchestrators and metric
 * scrapers, which carry no token and speak no FHIR. They are public (no token, no rate limit) and
 * skip what only FHIR requests need (content negotiation, the search-parameter refresh).
 */
import type { FastifyRequest } from 'fastify';

export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';
export const METRICS_PATH = '/metrics';

const OPERATIONS_PATHS = new Set([HEALTH_PATH, READY_PATH, METRICS_PATH]);

export function isOperationsRequest(request: FastifyRequest): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && OPERATIONS_PATHS.has(request.url.split('?', 1)[0]!);
}
