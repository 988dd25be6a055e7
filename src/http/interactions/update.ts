import { assertValidId } from '../../fhir/ids.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import { parseIfMatch } from '../../fhir/preconditions.js';
import type { ServerContext } from '../server-context.js';
import { writeCheckingSignature } from './signed-bundle-write.js';

/** PUT [base]/[type]/[id] — http.html#update; PUT [base]/[type]?criteria — http.html#cond-update. */
export async function update(request: FhirRequest, context: ServerContext): Promise<FhirResponse> {
  const ifMatch = parseIfMatch(request.headers['if-match']);
  const type = request.type!;
  const id = request.id;
  if (id !== undefined) assertValidId(id);
  const { version, created, issues } = await writeCheckingSignature(request, context, (repository) =>
    id === undefined
      ? repository.conditionalUpdate(type, request.query.toString(), request.body, { ifMatch })
      : repository.update(type, id, request.body, { ifMatch }),
  );
  return { status: created ? 201 : 200, json: version.json!, version, preferApplies: true, issues };
}
