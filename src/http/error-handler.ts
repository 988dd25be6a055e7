import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FhirError } from '../fhir/errors.js';
import { errorOutcome } from '../fhir/operation-outcome.js';
import { DUPLICATE_KEY } from '../store/types.js';
import { FHIR_JSON } from './content-negotiation.js';

const WRITE_CONFLICT = 112;

/** Fastify's own client errors, renamed into the catalogue. */
function fromFastify(err: FastifyError, request: FastifyRequest): FhirError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new FhirError('FHIR_ERR_MEDIA_TYPE', [String(request.headers['content-type'] ?? '').slice(0, 80)]);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new FhirError('FHIR_ERR_TOO_LARGE', [request.routeOptions.bodyLimit]);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new FhirError('FHIR_ERR_BODY_MISSING');
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new FhirError('FHIR_ERR_BAD_REQUEST', [err.message.slice(0, 200)]);
  return undefined;
}

/** A store's write conflict or duplicate key: a concurrent change the client may retry after. */
export function storeErrorAsFhir(err: unknown): FhirError | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === WRITE_CONFLICT || code === DUPLICATE_KEY) return new FhirError('FHIR_ERR_CONFLICT');
  return undefined;
}

function toFhirError(err: unknown, request: FastifyRequest): FhirError | undefined {
  if (err instanceof FhirError) return err;
  return storeErrorAsFhir(err) ?? fromFastify(err as FastifyError, request);
}

/** The one place where an error becomes an HTTP answer: always an OperationOutcome, never a stack trace. */
export function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  let fhirError = toFhirError(err, request);
  if (fhirError) {
    request.log.info({ code: fhirError.code, statusCode: fhirError.status }, 'request rejected');
  } else {
    request.log.error({ err }, 'unexpected error');
    fhirError = new FhirError('FHIR_ERR_INTERNAL', [request.id]);
  }
  request.auditOutcomeText = fhirError.message;
  reply.code(fhirError.status).type(`${FHIR_JSON}; charset=utf-8`).send(JSON.stringify(errorOutcome(fhirError)));
}
