import type { Resource } from 'fhir/r4.js';

/** Lab results reach the patient cabinet only once the lab has confirmed them. */
const RESULT_TYPES = new Set(['DiagnosticReport', 'Observation']);
const CONFIRMED = new Set(['final', 'amended', 'corrected']);

/** Why a result is held back from the cabinet (its status), or undefined when it may go. */
export function unconfirmedResult(resource: Resource): string | undefined {
  if (!RESULT_TYPES.has(resource.resourceType)) return undefined;
  const status = (resource as { status?: string }).status;
  return status !== undefined && CONFIRMED.has(status) ? undefined : `${resource.resourceType} status is ${status ?? 'missing'}, not final, amended or corrected`;
}
