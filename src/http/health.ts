/**
 * GET /healthz (liveness: the process answers) and GET /readyz (readiness: see services/readiness.ts),
 * plain JSON outside the FHIR base, public and never cached.
 */
import type { FastifyInstance } from 'fastify';
import { type ReadinessSources, readiness } from '../services/readiness.js';
import { HEALTH_PATH, READY_PATH } from './operations-paths.js';

export function registerHealthRoutes(app: FastifyInstance, sources: ReadinessSources): void {
  app.get(HEALTH_PATH, async (_request, reply) => reply.header('Cache-Control', 'no-store').send({ status: 'ok' }));
  app.get(READY_PATH, async (_request, reply) => {
    const { ready, checks } = await readiness(sources);
    const notReady = Object.keys(checks).filter((name) => checks[name] !== 'ok');
    reply.header('Cache-Control', 'no-store');
    return ready ? reply.send({ status: 'ready', checks }) : reply.code(503).send({ status: 'not ready', notReady, checks });
  });
}
