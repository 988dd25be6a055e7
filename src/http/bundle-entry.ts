/**
 * One entry of a batch or transaction as an interaction: the FhirRequest it makes,
 * and the response entry its answer (or its error) becomes (http.html#transaction-response).
 */
import { STATUS_CODES } from 'node:http';
import type { BundleEntry, BundleEntryResponse, OperationOutcome } from 'fhir/r4.js';
import { type RawEntry, resourceUrl } from '../fhir/bundle.js';
import { jsonPatchOfBinary } from '../fhir/binary-patch.js';
import { FhirError } from '../fhir/errors.js';
import { errorOutcome } from '../fhir/operation-outcome.js';
import { etagOf } from '../fhir/preconditions.js';
import type { BundleRequestEntry } from '../services/transaction/bundle-entries.js';
import type { Version } from '../services/stored-document.js';
import type { FhirRequest, FhirResponse } from './fhir-request.js';
import { matchInteraction } from './interaction-router.js';
import { parsePrefer } from './prefer.js';
import { bodyText } from './send.js';
import type { ServerContext } from './server-context.js';
import { assertPermitted } from '../auth/authorization.js';
import { operationOf, permissionsFor } from '../auth/route-permissions.js';
import { contextForClient } from './client-context.js';

function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? ''}`.trim();
}

/** The entry as a request to the interaction handlers; the Bundle's own Prefer header applies to every entry. */
function entryRequest(entry: BundleRequestEntry, method: string, bundleRequest: FhirRequest, params: Record<string, string>): FhirRequest {
  return {
    method,
    type: params.type,
    id: params.id,
    versionId: params.versionId,
    compartmentType: params.compartmentType,
    query: new URLSearchParams(entry.query),
    headers: {
      'if-match': entry.ifMatch,
      'if-none-match': entry.ifNoneMatch,
      'if-none-exist': entry.ifNoneExist,
      'if-modified-since': entry.ifModifiedSince,
      prefer: bundleRequest.headers.prefer,
    },
    body: entry.method === 'PATCH' ? jsonPatchOfBinary(entry.resource) : entry.resource,
    baseUrl: bundleRequest.baseUrl,
    client: bundleRequest.client,
  };
}

/** Runs one entry through the interaction its method and url name. */
export async function dispatchEntry(entry: BundleRequestEntry, bundleRequest: FhirRequest, context: ServerContext): Promise<{ request: FhirRequest; response: FhirResponse }> {
  const method = entry.method === 'HEAD' ? 'GET' : entry.method;
  const match = matchInteraction(method, entry.path);
  if (!match) throw new FhirError('FHIR_ERR_ROUTE_NOT_FOUND', [entry.method, entry.path.slice(0, 200)]);
  if ([match.route.code].flat().includes('transaction')) {
    throw new FhirError('FHIR_ERR_ENTRY_INVALID', ['an entry may not be another batch or transaction']);
  }
  const request = entryRequest(entry, method, bundleRequest, match.params);
  assertPermitted(request, permissionsFor(match.route, request), operationOf(match.route));
  return { request, response: await match.route.handler(request, contextForClient(context, request)) };
}

function versionFields(version: Version | undefined, status: number): Partial<BundleEntryResponse> {
  if (!version) return {};
  return {
    ...(status === 201 ? { location: `${version.type}/${version.id}/_history/${version.versionId}` } : {}),
    etag: etagOf(version.versionId),
    lastModified: version.lastUpdated.toISOString(),
  };
}

/** The response entry of an interaction's answer: status, location, etag, lastModified, and the body as Prefer asks. */
export function answeredEntry(entry: BundleRequestEntry, request: FhirRequest, response: FhirResponse): RawEntry {
  const { version, status } = response;
  const answer: BundleEntry = version && !version.deleted ? { fullUrl: resourceUrl(request.baseUrl, version.type, version.id) } : {};
  answer.response = { status: statusLine(status), ...versionFields(version, status) };
  const text = entry.method === 'HEAD' ? undefined : bodyText(request, response);
  if (text === undefined) return { entry: answer };
  const outcomePreferred = response.preferApplies && parsePrefer(request.headers.prefer).return === 'OperationOutcome';
  if (outcomePreferred || response.body?.resourceType === 'OperationOutcome') {
    answer.response!.outcome = JSON.parse(text) as OperationOutcome;
    return { entry: answer };
  }
  return { entry: answer, resourceJson: text };
}

/** The response entry of a failed batch entry: the error's status and its OperationOutcome. */
export function failedEntry(err: FhirError): RawEntry {
  return { entry: { response: { status: statusLine(err.status), outcome: errorOutcome(err) } } };
}
