import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import type { ServerContext } from '../server-context.js';

/** POST [base]/[type] — http.html#create, conditional with If-None-Exist (http.html#ccreate). */
export async function create(request: FhirRequest, { repository }: ServerContext): Promise<FhirResponse> {
  const { version, created, issues } = await repository.create(request.body, request.type!, { ifNoneExist: request.headers['if-none-exist'] });
  return { status: created ? 201 : 200, json: version.json!, version, preferApplies: true, issues };
}
