/**
 * Whether one Consent lets a resource reach the patient cabinet (EGISZ cabinet consent): pure
 * functions over the Consent and the resource. References are compared as "Type/id", so an
 * absolute URL ending in Patient/p1 names the same patient as Patient/p1.
 */
import type { Consent, Reference, Resource } from 'fhir/r4.js';
import { normalizeReference } from '../../search/index.js';
import { parseDateRange } from '../../search/date-range.js';

export const RESOURCE_TYPES_SYSTEM = 'http://hl7.org/fhir/resource-types';

/** What a Consent is checked against: whose data, what type, produced by which organizations, when. */
export interface CoverageTarget {
  patient: string;
  type: string;
  organizations: string[];
  at: Date;
}

type Referenced = Reference | { actor?: Reference } | undefined;

function typedReference(ref: Reference | undefined, type: string): string | undefined {
  const normalized = ref?.reference ? normalizeReference(ref.reference) : undefined;
  return normalized?.startsWith(`${type}/`) ? normalized : undefined;
}

/** "Patient/<id>" of the resource's `subject` or `patient`; undefined when it is about no patient. */
export function patientOf(resource: Resource): string | undefined {
  const { subject, patient } = resource as { subject?: Reference; patient?: Reference };
  return typedReference(subject, 'Patient') ?? typedReference(patient, 'Patient');
}

/** "Organization/<id>" of each performer (and, of a DiagnosticReport, each results interpreter). */
export function performingOrganizations(resource: Resource): string[] {
  const { performer, resultsInterpreter } = resource as { performer?: Referenced[]; resultsInterpreter?: Reference[] };
  const refs = [...(performer ?? []), ...(resource.resourceType === 'DiagnosticReport' ? resultsInterpreter ?? [] : [])]
    .map((entry) => (entry && 'actor' in entry ? entry.actor : entry) as Reference | undefined);
  return [...new Set(refs.map((ref) => typedReference(ref, 'Organization')).filter((ref) => ref !== undefined))];
}

/** The period contains `at`; each bound counts as its whole precision (end 2026-11 lasts through November). */
function periodContains(period: { start?: string; end?: string } | undefined, at: Date): boolean {
  const start = period?.start === undefined ? undefined : parseDateRange(period.start);
  const end = period?.end === undefined ? undefined : parseDateRange(period.end);
  if ((period?.start !== undefined && !start) || (period?.end !== undefined && !end)) return false;
  return (!start || start.lo <= at) && (!end || at <= end.hi);
}

function coversType(consent: Consent, type: string): boolean {
  return (consent.provision?.class ?? []).some((c) => c.system === RESOURCE_TYPES_SYSTEM && c.code === type);
}

function coversOrganizations(consent: Consent, organizations: string[]): boolean {
  const named = (consent.organization ?? []).map((ref) => typedReference(ref, 'Organization'));
  return named.length === 0 || named.some((org) => org !== undefined && organizations.includes(org));
}

/** Why the Consent does not cover the target (in English), or undefined when it does. */
export function whyNotCovered(consent: Consent, target: CoverageTarget): string | undefined {
  const provision = consent.provision;
  if (consent.status !== 'active') return `its status is ${consent.status}`;
  if (typedReference(consent.patient, 'Patient') !== target.patient) return `it is not a consent of ${target.patient}`;
  if (provision?.type === 'deny') return 'its provision denies';
  if (!periodContains(provision?.period, target.at)) {
    return `its period ${provision?.period?.start ?? '…'}..${provision?.period?.end ?? '…'} does not contain the time`;
  }
  if (!coversType(consent, target.type)) return `its provision.class does not cover ${target.type}`;
  if (!coversOrganizations(consent, target.organizations)) return 'it names other organizations';
  return undefined;
}
