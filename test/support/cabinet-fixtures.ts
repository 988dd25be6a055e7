/** Resources for patient-cabinet tests: a patient's consent to share results, and a lab's report. */
import type { Consent, DiagnosticReport } from 'fhir/r4.js';

export const LAB = 'Organization/lab1';

/** An active Consent of the patient to share results of `classes` (resource types) produced by the lab. */
export function cabinetConsent(patient: string, classes: string[] = ['DiagnosticReport'], changes: Partial<Consent> = {}): Consent {
  return {
    resourceType: 'Consent', status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    patient: { reference: `Patient/${patient}` }, dateTime: '2026-01-01', organization: [{ reference: LAB }],
    provision: { type: 'permit', period: { start: '2026-01-01' }, class: classes.map((code) => ({ system: 'http://hl7.org/fhir/resource-types', code })) },
    ...changes,
  };
}

export function labReport(patient: string, status: DiagnosticReport['status'] = 'final', text = 'Общий анализ крови'): DiagnosticReport {
  return { resourceType: 'DiagnosticReport', status, code: { text }, subject: { reference: `Patient/${patient}` }, performer: [{ reference: LAB }] };
}
