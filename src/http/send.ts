import type { FastifyReply } from 'fastify';
import type { Resource } from 'fhir/r4.js';
import { versionUrl } from '../fhir/bundle.js';
import { informationOutcome } from '../fhir/operation-outcome.js';
import { parseSubsetRequest, subsetResource } from '../fhir/subset.js';
import { FHIR_JSON } from './content-negotiation.js';
import type { FhirRequest, FhirResponse } from './fhir-request.js';
import { etagOf } from './preconditions.js';
import { parsePrefer } from './prefer.js';

function bodyFor(request: FhirRequest, response: FhirResponse): Resource | undefined {
  const { body } = response;
  if (!body) return undefined;
  if (response.preferApplies) {
    const preference = parsePrefer(request.headers.prefer).return;
    if (preference === 'minimal') return undefined;
    if (preference === 'OperationOutcome') return informationOutcome(`${response.status === 201 ? 'Created' : 'Updated'} ${body.resourceType}/${body.id}`);
  }
  if (response.subsettable) return subsetResource(body, parseSubsetRequest(Object.fromEntries(request.query)));
  return body;
}

/** Writes a handler's answer: status, the version headers, and the JSON body (pretty with _pretty=true). */
export function send(reply: FastifyReply, request: FhirRequest, response: FhirResponse): FastifyReply {
  reply.code(response.status);
  const { version } = response;
  if (version) {
    reply.header('ETag', etagOf(version.versionId));
    reply.header('Last-Modified', version.lastUpdated.toUTCString());
    if (response.status === 201) reply.header('Location', versionUrl(request.baseUrl, version));
  }
  const body = bodyFor(request, response);
  if (!body) return reply.send();
  const pretty = request.query.get('_pretty') === 'true';
  return reply.type(`${FHIR_JSON}; charset=utf-8`).send(pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body));
}
