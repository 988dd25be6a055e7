import type { FastifyInstance } from 'fastify';
import { FhirError } from '../fhir/errors.js';

/**
 * Once `app.close()` begins: a request that arrives on an open connection gets 503 with an
 * OperationOutcome (Fastify's own 503 body is not FHIR, so the app turns it off), and every answer,
 * an in-flight request's too, carries `Connection: close`, so no keep-alive connection holds the
 * shutdown open after its last answer.
 */
export function registerShutdownRefusal(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new FhirError('FHIR_ERR_SHUTTING_DOWN');
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('Connection', 'close');
  });
}
