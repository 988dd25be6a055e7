import type { FastifyInstance, FastifyReply } from 'fastify';

const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE';
const ALLOWED_HEADERS = 'Authorization, Content-Type, If-Match, If-None-Exist, If-None-Match, Prefer';
const EXPOSED_HEADERS = 'ETag, Location, Last-Modified, X-Request-Id, Content-Location';
const PREFLIGHT_CACHE_SECONDS = 600;

/**
 * CORS_ORIGINS: lets the listed browser origins (or any, with *) call the server. A preflight from
 * such an origin is answered here, before authentication, as browsers send it without the token;
 * other answers to it carry the Access-Control headers, 401s and errors too, so the page can read
 * them. A request from an origin not listed gets no CORS headers, and without CORS_ORIGINS nothing
 * is registered. Tokens travel in the Authorization header, never in cookies, so no credentials mode.
 */
export function registerCors(app: FastifyInstance, origins: string[]): void {
  if (origins.length === 0) return;
  const anyOrigin = origins.includes('*');
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (!anyOrigin) reply.header('Vary', 'Origin');
    if (origin === undefined || !(anyOrigin || origins.includes(origin))) return;
    reply.header('Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) return answerPreflight(reply);
    reply.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
  });
}

function answerPreflight(reply: FastifyReply): FastifyReply {
  return reply.code(204).headers({
    'Access-Control-Allow-Methods': ALLOWED_METHODS,
    'Access-Control-Allow-Headers': ALLOWED_HEADERS,
    'Access-Control-Max-Age': String(PREFLIGHT_CACHE_SECONDS),
  }).send();
}
