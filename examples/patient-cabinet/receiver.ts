/**
 * The patient cabinet's receiving end: POST /notifications takes the server's signed notification
 * Bundles, GET /status says what arrived per subscription, GET /patients/:id shows a patient's
 * results. A Bundle is stored only when its signature verifies against the trusted certificates.
 */
import type { Bundle } from 'fhir/r4.js';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { X509Certificate } from 'node:crypto';
import { verifyBundleSignature } from '../../src/services/signing/signature-verification.js';
import type { CabinetStore } from './cabinet-store.js';
import { NotificationFormatError, readNotification } from './notification-reading.js';
import { PAGE_SECURITY_POLICY, patientPage } from './patient-page.js';

export interface ReceiverOptions {
  /** The server's signing certificate or the CA that issued it. */
  trustAnchors: X509Certificate[];
  store: CabinetStore;
  logger?: boolean;
}

/** Notifications carrying whole resources can be large. */
const BODY_LIMIT = 16 * 1024 * 1024;

function refuse(reply: FastifyReply, reason: string, code?: string): FastifyReply {
  return reply.code(400).send({ reason, ...(code ? { code } : {}) });
}

function isBundle(body: unknown): body is Bundle {
  return typeof body === 'object' && body !== null && (body as { resourceType?: unknown }).resourceType === 'Bundle';
}

export function buildReceiver(options: ReceiverOptions): FastifyInstance {
  const { trustAnchors, store } = options;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: BODY_LIMIT });
  // Only the JSON media types: any other body is Fastify's 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/fhir+json', 'application/json'], { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  app.post('/notifications', async (request, reply) => {
    const bundle = request.body;
    if (!isBundle(bundle)) return refuse(reply, 'the body is not a FHIR Bundle');
    const verification = verifyBundleSignature(bundle, trustAnchors);
    const problem = verification.problems[0];
    if (!verification.valid) return refuse(reply, problem?.message ?? 'the signature does not verify', problem?.code);
    try {
      return store.record(readNotification(bundle));
    } catch (err) {
      if (err instanceof NotificationFormatError) return refuse(reply, err.message);
      throw err;
    }
  });

  app.get('/status', async () => store.status());

  app.get<{ Params: { id: string }; Querystring: { code?: string } }>('/patients/:id', async (request, reply) => {
    const results = store.resultsOf(request.params.id);
    reply.code(results.length === 0 ? 404 : 200).type('text/html; charset=utf-8').header('content-security-policy', PAGE_SECURITY_POLICY);
    return patientPage(request.params.id, results, request.query.code || undefined);
  });

  return app;
}
