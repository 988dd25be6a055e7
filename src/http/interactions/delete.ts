import { assertValidId } from '../../fhir/ids.js';
import { informationOutcome } from '../../fhir/operation-outcome.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import { parseIfMatch } from '../../fhir/preconditions.js';
import type { ServerContext } from '../server-context.js';

/**
 * DELETE [base]/[type]/[id] — http.html#delete; DELETE [base]/[type]?criteria — http.html#cdelete.
 * 200 with the tombstone's ETag when a version was deleted, 204 when there was nothing left to delete.
 */
export async function remove(request: FhirRequest, { repository }: ServerContext): Promise<FhirResponse> {
  const type = request.type!;
  let tombstone;
  if (request.id === undefined) {
    tombstone = await repository.conditionalDelete(type, request.query.toString());
  } else {
    assertValidId(request.id);
    tombstone = await repository.delete(type, request.id, { ifMatch: parseIfMatch(request.headers['if-match']) });
  }
  if (!tombstone) return { status: 204 };
  return { status: 200, body: informationOutcome(`Deleted ${type}/${tombstone.id}`), version: tombstone };
}
