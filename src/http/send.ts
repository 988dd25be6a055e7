import type { FastifyReply } from 'fastify';
import type { Resource } from 'fhir/r4.js';
import { versionUrl } from '../fhir/bundle.js';
import { informationOutcome } from '../fhir/operation-outcome.js';
import { outcomeIssue } from '../validation/issue.js';
import { isSubsetting, parseSubsetRequest, subsetResource } from '../fhir/subset.js';
import { FHIR_JSON } from './content-negotiation.js';
import type { FhirRequest, FhirResponse } from './fhir-request.js';
import { etagOf } from '../fhir/preconditions.js';
import { parsePrefer } from './prefer.js';

/**
 * The body Prefer asks for. A resource stored despite validation findings (VALIDATION=lenient)
 * is answered with an OperationOutcome listing them as warnings, unless the client asked for
 * the representation (or nothing).
 */
function preferredOutcome(request: FhirRequest, response: FhirResponse): Resource | null | undefined {
  if (!response.preferApplies) return undefined;
  const preference = parsePrefer(request.headers.prefer).return;
  const issues = response.issues ?? [];
  if (preference === 'minimal') return null;
  if (preference === 'representation' || (preference !== 'OperationOutcome' && issues.length === 0)) return undefined;
  const what = response.version ? `${response.version.type}/${response.version.id}` : '';
  const outcome = informationOutcome(`${response.status === 201 ? 'Created' : 'Updated'} ${what}`);
  outcome.issue.push(...issues.map((issue) => outcomeIssue({ ...issue, severity: issue.severity === 'information' ? 'information' : 'warning' })));
  return outcome;
}

/** The body text: stored JSON as it is, unless Prefer, _summary/_elements or _pretty reshape it. */
export function bodyText(request: FhirRequest, response: FhirResponse): string | undefined {
  const outcome = preferredOutcome(request, response);
  if (outcome === null) return undefined;
  const pretty = request.query.get('_pretty') === 'true';
  let body: Resource | undefined = outcome;
  if (!body) {
    const subset = response.subsettable ? parseSubsetRequest(Object.fromEntries(request.query)) : {};
    if (response.json !== undefined && !pretty && !isSubsetting(subset)) return response.json;
    body = response.body ?? (response.json === undefined ? undefined : (JSON.parse(response.json) as Resource));
    if (body && isSubsetting(subset)) body = subsetResource(body, subset);
  }
  if (!body) return undefined;
  return pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body);
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
  const text = bodyText(request, response);
  if (text === undefined) return reply.send();
  return reply.type(`${FHIR_JSON}; charset=utf-8`).send(text);
}
