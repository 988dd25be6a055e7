import { assertValidId } from '../../fhir/ids.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import { parseIfMatch } from '../../fhir/preconditions.js';
import type { ServerContext } from '../server-context.js';

/** PATCH [base]/[type]/[id] with application/json-patch+json — http.html#patch. */
export async function patch(request: FhirRequest, { repository }: ServerContext): Promise<FhirResponse> {
  assertValidId(request.id!);
  const ifMatch = parseIfMatch(request.headers['if-match']);
  const { version, issues } = await repository.patch(request.type!, request.id!, request.body, { ifMatch });
  return { status: 200, json: version.json!, version, preferApplies: true, issues };
}
