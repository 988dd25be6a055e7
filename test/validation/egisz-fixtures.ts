/**
 * Valid EGISZ-style resources, one per profile in profiles/. Every identifier and code here is
 * invented for the tests:
 * - SNILS 112-233-445 95, ENP 5000000000001239, INN 5001007329 and OGRN 1025000000013 are made-up
 *   numbers whose check digits are right; the passport 4509:123456 and the ФРМО OID
 *   1.2.643.5.1.13.13.12.2.77.99999 are made up too.
 * - ФСЛИ code 9999001 (version 3.40) and medical service code A99.99.999 are invented: those
 *   dictionaries are not loaded, so their codes give a warning, never an error.
 * - The interpretation (N of 1.2.643.5.1.13.13.11.1381), confidentiality (N of
 *   1.2.643.5.1.13.13.99.2.285) and the HL7 codes are the real ones.
 */
import type { Consent, DiagnosticReport, Observation, Organization, Patient } from 'fhir/r4.js';
import { ENP, FSLI, SNILS } from '../search/fixtures.js';

export { ENP, FSLI, SNILS };
export const PROFILE_BASE = 'https://egisz.example.ru/fhir/StructureDefinition/';
export const PASSPORT = 'urn:oid:1.2.643.2.69.1.1.1.6.14';
export const FRMO = 'urn:oid:1.2.643.5.1.13.13.11.1461';
export const OGRN = 'urn:oid:1.2.643.100.1';
export const INN = 'urn:oid:1.2.643.100.4';
export const MEDICAL_SERVICES = 'urn:oid:1.2.643.5.1.13.13.11.1070';
export const CONFIDENTIALITY = 'urn:oid:1.2.643.5.1.13.13.99.2.285';

export function patient(): Patient {
  return {
    resourceType: 'Patient',
    id: 'p1',
    identifier: [
      { system: SNILS, value: '11223344595' },
      { system: ENP, value: '5000000000001239', assigner: { display: 'АО «Страховая компания»' } },
      { system: PASSPORT, value: '4509:123456' },
      { system: 'https://clinic.example.ru/mis/patient-id', value: 'MIS-000042' },
    ],
    name: [{ use: 'official', family: 'Иванова', given: ['Мария', 'Петровна'] }],
    gender: 'female',
    birthDate: '1984-03-12',
  };
}

export function organization(): Organization {
  return {
    resourceType: 'Organization',
    id: 'lab1',
    identifier: [
      { system: FRMO, value: '1.2.643.5.1.13.13.12.2.77.99999' },
      { system: OGRN, value: '1025000000013' },
      { system: INN, value: '5001007329' },
    ],
    name: 'ГБУЗ «Городская клиническая лаборатория № 1»',
  };
}

export function labObservation(): Observation {
  return {
    resourceType: 'Observation',
    id: 'hgb1',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: FSLI, version: '3.40', code: '9999001', display: 'Гемоглобин в крови (код придуман)' }] },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: '2026-11-20T08:30:00+03:00',
    issued: '2026-11-20T14:05:00+03:00',
    performer: [{ reference: 'Organization/lab1' }],
    valueQuantity: { value: 128, unit: 'г/л', system: 'http://unitsofmeasure.org', code: 'g/L' },
    interpretation: [{ coding: [{ system: 'urn:oid:1.2.643.5.1.13.13.11.1381', code: 'N' }] }],
    referenceRange: [{ low: { value: 120, unit: 'г/л', system: 'http://unitsofmeasure.org', code: 'g/L' }, high: { value: 140, unit: 'г/л', system: 'http://unitsofmeasure.org', code: 'g/L' } }],
  };
}

export function labReport(): DiagnosticReport {
  return {
    resourceType: 'DiagnosticReport',
    id: 'cbc1',
    meta: { security: [{ system: CONFIDENTIALITY, code: 'N' }] },
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }] }],
    code: { coding: [{ system: MEDICAL_SERVICES, code: 'A99.99.999', display: 'Общий анализ крови (код придуман)' }] },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: '2026-11-20T08:30:00+03:00',
    issued: '2026-11-20T14:05:00+03:00',
    performer: [{ reference: 'Organization/lab1' }, { reference: 'Practitioner/doc1' }],
    result: [{ reference: 'Observation/hgb1' }],
    presentedForm: [{ contentType: 'application/pdf', size: 48213, url: 'Binary/cbc1-pdf' }],
  };
}

export function cabinetConsent(): Consent {
  return {
    resourceType: 'Consent',
    id: 'c1',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: 'Patient/p1' },
    dateTime: '2026-11-01T10:00:00+03:00',
    organization: [{ reference: 'Organization/lab1' }],
    provision: {
      type: 'permit',
      period: { start: '2026-11-01' },
      class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'DiagnosticReport' }, { system: 'http://hl7.org/fhir/resource-types', code: 'Observation' }],
    },
  };
}
