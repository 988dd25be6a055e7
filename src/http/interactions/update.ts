import { assertValidId } from '../../fhir/ids.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import { parseIfMatch } from '../../fhir/preconditions.js';
import type { ServerContext } from '../server-context.js';

/** PUT [base]/[type]/[id] — http.html#update; PUT [base]/[type]?criteria — http.html#cond-update. */
export async function update(request: FhirRequest, { repository }: ServerContext): Promise<FhirResponse> {
  const ifMatch = parseIfMatch(request.headers['if-match']);
  const type = request.type!;
  let result;
  if (request.id === undefined) {
    result = await repository.conditionalUpdate(type, request.query.toString(), request.body, { ifMatch });
  } else {
    assertValidId(request.id);
    result = await repository.update(type, request.id, request.body, { ifMatch });
  }
  const { version, created, issues } = result;
  return { status: created ? 201 : 200, json: version.json!, version, preferApplies: true, issues };
}
