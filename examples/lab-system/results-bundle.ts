/**
 * The transaction Bundle a lab posts for one complete blood count: the patient (created unless a
 * Patient with the SNILS exists), the lab's Organization (matched by its ФРМО identifier), two
 * Observations and the final DiagnosticReport over them, all referring to each other by urn:uuid
 * fullUrls that the server turns into the ids it assigns. Shaped to the EGISZ profiles (profiles/).
 * The ФСЛИ codes are invented (the real dictionary is loaded with npm run load-dictionary); the
 * medical service B03.016.002 is the nomenclature's complete blood count.
 */
import type { Bundle, BundleEntry, DiagnosticReport, Observation, Organization, Patient, Reference } from 'fhir/r4.js';
import { randomUUID } from 'node:crypto';
import { frmoCriteria } from './lab-organization.js';

export const SNILS = 'urn:oid:1.2.643.100.3';
const FSLI = 'urn:oid:1.2.643.5.1.13.13.11.1080';
const MEDICAL_SERVICES = 'urn:oid:1.2.643.5.1.13.13.11.1070';
const CONFIDENTIALITY = 'urn:oid:1.2.643.5.1.13.13.99.2.285';
const INTERPRETATION = 'urn:oid:1.2.643.5.1.13.13.11.1381';
const UCUM = 'http://unitsofmeasure.org';

export interface LabPatient {
  /** 11 digits with a valid check number. */
  snils: string;
  family: string;
  /** Given name and patronymic. */
  given: string[];
  gender: Patient['gender'];
  birthDate: string;
}

/** 123-456-789 64: a made-up SNILS whose check number is right. */
export const SAMPLE_PATIENT: LabPatient = { snils: '12345678964', family: 'Петрова', given: ['Анна', 'Сергеевна'], gender: 'female', birthDate: '1985-06-15' };

interface Measurement {
  fsliCode: string;
  name: string;
  value: number;
  unit: string;
  ucum: string;
  low: number;
  high: number;
}

const COMPLETE_BLOOD_COUNT: Measurement[] = [
  { fsliCode: '9999001', name: 'Гемоглобин в крови', value: 128, unit: 'г/л', ucum: 'g/L', low: 120, high: 140 },
  { fsliCode: '9999002', name: 'Лейкоциты в крови', value: 11.2, unit: '10*9/л', ucum: '10*9/L', low: 4, high: 9 },
];

export interface ResultsTimes {
  /** When the specimen was taken. */
  collected: Date;
  /** When the lab confirmed the results. */
  issued: Date;
}

const urn = (): string => `urn:uuid:${randomUUID()}`;

function quantity(measurement: Measurement, value: number) {
  return { value, unit: measurement.unit, system: UCUM, code: measurement.ucum };
}

function interpretationCode({ value, low, high }: Measurement): 'N' | 'H' | 'L' {
  if (value > high) return 'H';
  return value < low ? 'L' : 'N';
}

function observation(measurement: Measurement, subject: Reference, performer: Reference, times: ResultsTimes): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: FSLI, version: '3.40', code: measurement.fsliCode, display: measurement.name }], text: measurement.name },
    subject, performer: [performer],
    effectiveDateTime: times.collected.toISOString(),
    issued: times.issued.toISOString(),
    valueQuantity: quantity(measurement, measurement.value),
    interpretation: [{ coding: [{ system: INTERPRETATION, code: interpretationCode(measurement) }] }],
    referenceRange: [{ low: quantity(measurement, measurement.low), high: quantity(measurement, measurement.high) }],
  };
}

function report(subject: Reference, performer: Reference, results: Reference[], times: ResultsTimes): DiagnosticReport {
  return {
    resourceType: 'DiagnosticReport',
    meta: { security: [{ system: CONFIDENTIALITY, code: 'N' }] },
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }] }],
    code: { coding: [{ system: MEDICAL_SERVICES, code: 'B03.016.002', display: 'Общий (клинический) анализ крови' }], text: 'Общий анализ крови' },
    subject, performer: [performer], result: results,
    effectiveDateTime: times.collected.toISOString(),
    issued: times.issued.toISOString(),
  };
}

function patientResource(patient: LabPatient, organization: Reference): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: SNILS, value: patient.snils }],
    name: [{ use: 'official', family: patient.family, given: patient.given }],
    gender: patient.gender,
    birthDate: patient.birthDate,
    managingOrganization: organization,
  };
}

function created(fullUrl: string, resource: BundleEntry['resource'] & object, ifNoneExist?: string): BundleEntry {
  return { fullUrl, resource, request: { method: 'POST', url: resource.resourceType, ...(ifNoneExist ? { ifNoneExist } : {}) } };
}

/** `organization`: the lab's registered Organization (its id is left out: the entry only matches it). */
export function resultsBundle(patient: LabPatient, organization: Organization, times: ResultsTimes): Bundle {
  const [organizationUrl, patientUrl, reportUrl] = [urn(), urn(), urn()];
  const subject = { reference: patientUrl };
  const performer = { reference: organizationUrl };
  const observations = COMPLETE_BLOOD_COUNT.map((measurement) => ({ fullUrl: urn(), resource: observation(measurement, subject, performer, times) }));
  const { id: _registeredId, ...organizationBody } = organization;
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      created(organizationUrl, organizationBody, frmoCriteria(organization)),
      created(patientUrl, patientResource(patient, performer), `identifier=${SNILS}|${patient.snils}`),
      ...observations.map(({ fullUrl, resource }) => created(fullUrl, resource)),
      created(reportUrl, report(subject, performer, observations.map(({ fullUrl }) => ({ reference: fullUrl })), times)),
    ],
  };
}
