/**
 * The consent gate of deliveries to the patient cabinet: a notification about a patient's
 * resource goes out only while an active Consent of that patient covers it (EGISZ: results
 * reach the cabinet only while the patient's consent is active). Each of the patient's active
 * Consents (active-consents.ts) is checked in full.
 */
import type { Reference, Resource } from 'fhir/r4.js';
import type { Session, Store } from '../../store/types.js';
import { activeConsents } from './active-consents.js';
import { type CoverageTarget, patientOf, performingOrganizations, whyNotCovered } from './consent-coverage.js';

export type ConsentDecision =
  | { allowed: true; /** 'Consent/<id>' that allows it; absent when the resource is about no patient. */ consent?: string }
  | { allowed: false; reason: 'no-active-consent'; /** In English: what was looked at and why nothing covers it. */ detail: string };

function refused(target: CoverageTarget, looked: string[]): ConsentDecision {
  const from = target.organizations.length > 0 ? `from ${target.organizations.join(', ')}` : 'from no named Organization';
  const why = looked.length > 0 ? `looked at ${looked.join('; ')}` : `${target.patient} has no active Consent`;
  return {
    allowed: false,
    reason: 'no-active-consent',
    detail: `no active Consent of ${target.patient} covers ${target.type} ${from} at ${target.at.toISOString()}: ${why}`,
  };
}

/**
 * A subject that is no resolvable reference (an identifier only, a contained or display-only
 * one) may still be a patient, whose consent cannot be checked: such a resource is held back.
 */
function unresolvedSubject(resource: Resource): string | undefined {
  const { subject, patient } = resource as { subject?: Reference; patient?: Reference };
  const named = patient ?? subject;
  if (!named) return undefined;
  const reference = named.reference;
  if (reference && !reference.startsWith('#') && /(^|\/)[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(\/_history\/[^/]+)?$/.test(reference)) return undefined;
  return `the ${patient ? 'patient' : 'subject'} of ${resource.resourceType} is not a reference the server can check consent for`;
}

export async function consentDecision(store: Store, resource: Resource, at: Date, session?: Session): Promise<ConsentDecision> {
  const patient = patientOf(resource);
  if (!patient) {
    const unresolved = unresolvedSubject(resource);
    return unresolved ? { allowed: false, reason: 'no-active-consent', detail: unresolved } : { allowed: true };
  }
  const target = { patient, type: resource.resourceType, organizations: performingOrganizations(resource), at };
  const looked: string[] = [];
  for (const { id, consent } of await activeConsents(store, patient, session)) {
    const why = whyNotCovered(consent, target);
    if (why === undefined) return { allowed: true, consent: `Consent/${id}` };
    looked.push(`Consent/${id} (${why})`);
  }
  return refused(target, looked);
}
