import { FhirError } from '../../fhir/errors.js';
import { assertValidId } from '../../fhir/ids.js';
import { assertResourceType } from '../../fhir/resource-types.js';
import { patientCompartmentFilter } from '../../search/compartments.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import type { ServerContext } from '../server-context.js';
import { parseSearchRequest, searchset } from './search.js';

/**
 * GET [base]/Patient/[id]/[type]?params (and POST .../_search): a search restricted to the
 * resources in the patient's compartment (http.html#vsearch, compartmentdefinition.html).
 * A patient never stored has an empty compartment, as the specification allows.
 */
export async function compartmentSearch(request: FhirRequest, { store }: ServerContext): Promise<FhirResponse> {
  const compartment = request.type!;
  if (compartment !== 'Patient') throw new FhirError('FHIR_ERR_COMPARTMENT_UNKNOWN', [compartment.slice(0, 64)]);
  assertValidId(request.id!);
  const type = request.compartmentType!;
  assertResourceType(type);
  const within = patientCompartmentFilter(type, request.id!);
  if (!within) throw new FhirError('FHIR_ERR_NOT_IN_COMPARTMENT', [type, compartment]);
  const searchRequest = { ...parseSearchRequest(request, type), within };
  return searchset(request, store, searchRequest, `${compartment}/${request.id}/${type}`);
}
