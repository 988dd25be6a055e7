/**
 * How far a patient-context grant (a `patient/...` scope with the token's `patient` claim) reaches:
 * the patient's own Patient resource (read, history, $everything), searches of the patient's
 * compartment (`Patient/<id>/Observation?...`, without _include/_revinclude, which could reach
 * outside it), and Subscriptions whose criteria are limited to that patient. Anything else a
 * patient-context token asks is refused, so it never reaches another patient's data.
 */
import type { Subscription } from 'fhir/r4.js';
import type { FhirRequest } from '../http/fhir-request.js';

const OWN_PATIENT_OPERATIONS = new Set(['$everything']);

function reachesOutside(request: FhirRequest): boolean {
  return [...request.query.keys()].some((name) => name.startsWith('_include') || name.startsWith('_revinclude'));
}

/** A Subscription's criteria limited to the patient: `patient=Patient/<id>` or `subject=Patient/<id>`. */
function subscriptionOfPatient(body: unknown, patient: string): boolean {
  const criteria = (body as Subscription | undefined)?.criteria ?? '';
  const query = new URLSearchParams(criteria.split('?')[1] ?? '');
  const named = [...query.getAll('patient'), ...query.getAll('subject'), ...query.getAll('subject:Patient')];
  return named.some((value) => value === `Patient/${patient}` || value === patient);
}

/** Why the patient-context request goes beyond the patient's own record, or undefined when it does not. */
export function beyondPatient(request: FhirRequest, patient: string | undefined, operation: string | undefined): string | undefined {
  if (!patient) return 'the token has no patient claim';
  if (reachesOutside(request)) return '_include and _revinclude reach outside the patient compartment';
  const own = request.type === 'Patient' && request.id === patient;
  if (request.compartmentType !== undefined) return own ? undefined : `Patient/${request.id} is not the token's patient`;
  if (operation !== undefined) return own && OWN_PATIENT_OPERATIONS.has(operation) ? undefined : `${operation} is not offered to patient-context tokens`;
  if (request.method === 'GET') return own ? undefined : `use the compartment, Patient/${patient}/${request.type ?? '[type]'}`;
  if (request.type === 'Subscription' && ['POST', 'PUT'].includes(request.method)) {
    return subscriptionOfPatient(request.body, patient) ? undefined : `the criteria must name patient=Patient/${patient}`;
  }
  return 'patient-context tokens only read, and subscribe to their own results';
}
