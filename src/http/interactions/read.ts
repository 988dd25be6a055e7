import { assertValidId } from '../../fhir/ids.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import { notModified } from '../../fhir/preconditions.js';
import type { ServerContext } from '../server-context.js';

/** GET [base]/[type]/[id] — http.html#read, with conditional read (If-None-Match, If-Modified-Since). */
export async function read(request: FhirRequest, { repository }: ServerContext): Promise<FhirResponse> {
  assertValidId(request.id!);
  const version = await repository.read(request.type!, request.id!);
  if (notModified(version, request.headers)) return { status: 304, version };
  return { status: 200, json: version.json!, version, subsettable: true };
}
