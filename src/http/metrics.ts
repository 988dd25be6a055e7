/**
 * GET /metrics (Prometheus text format) and the request metrics: each request under the FHIR base
 * is counted by its REST interaction (classified as the request audit does) and status, and timed.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from '../services/server-metrics.js';
import { METRICS_PATH } from './operations-paths.js';
import { requestInteraction } from './request-audit.js';

export function registerMetrics(app: FastifyInstance, metrics: ServerMetrics, base: string): void {
  app.addHook('onResponse', async (request, reply) => {
    const interaction = requestInteraction(request, base);
    if (interaction) metrics.recordRequest(interaction, reply.statusCode, reply.elapsedTime / 1000);
  });
  app.get(METRICS_PATH, async (_request, reply) => reply.header('Cache-Control', 'no-store').type(metrics.contentType).send(await metrics.render()));
}
