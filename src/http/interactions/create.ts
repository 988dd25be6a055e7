import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import type { ServerContext } from '../server-context.js';
import { writeCheckingSignature } from './signed-bundle-write.js';

/** POST [base]/[type] — http.html#create, conditional with If-None-Exist (http.html#ccreate). */
export async function create(request: FhirRequest, context: ServerContext): Promise<FhirResponse> {
  const ifNoneExist = request.headers['if-none-exist'];
  const { version, created, issues } = await writeCheckingSignature(request, context, (repository) => repository.create(request.body, request.type!, { ifNoneExist }));
  return { status: created ? 201 : 200, json: version.json!, version, preferApplies: true, issues };
}
