import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { isPublicRequest } from './authentication.js';

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/** The headers every answer carries: this server sends data, never a page to render, frame or sniff. */
function fixedHeaders(config: Config): Record<string, string> {
  const headers: Record<string, string> = {
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    'Referrer-Policy': 'no-referrer',
  };
  // only a server known to be reached over https may tell browsers to insist on it
  if (config.baseUrl?.startsWith('https:')) headers['Strict-Transport-Security'] = `max-age=${ONE_YEAR_SECONDS}`;
  return headers;
}

/**
 * Security headers on every answer, errors and 401s included (onSend runs for them all). Health
 * data must not linger in browser or proxy caches, so every answer but the public
 * CapabilityStatement is Cache-Control: no-store, unless its handler chose a Cache-Control itself.
 */
export function registerSecurityHeaders(app: FastifyInstance, config: Config): void {
  const headers = fixedHeaders(config);
  app.addHook('onSend', async (request, reply, payload) => {
    reply.headers(headers);
    if (!isPublicRequest(request) && !reply.hasHeader('cache-control')) reply.header('Cache-Control', 'no-store');
    return payload;
  });
}
