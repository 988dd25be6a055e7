import { assertValidId, parseVersionId } from '../../fhir/ids.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import type { ServerContext } from '../server-context.js';

/** GET [base]/[type]/[id]/_history/[vid] — http.html#vread. */
export async function vread(request: FhirRequest, { repository }: ServerContext): Promise<FhirResponse> {
  assertValidId(request.id!);
  const version = await repository.vread(request.type!, request.id!, parseVersionId(request.versionId!));
  return { status: 200, json: version.json!, version, subsettable: true };
}
