import type { Observation, Patient } from 'fhir/r4.js';

/** A patient in the EGISZ style; the SNILS 112-233-445 95 passes its check digit. */
export function patient(family = 'Иванов', snils = '11223344595'): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: 'urn:oid:1.2.643.100.3', value: snils }],
    name: [{ family, given: ['Иван', 'Иванович'] }],
    gender: 'male',
    birthDate: '1980-04-12',
  };
}

/** A lab result; the ФСЛИ code is invented for tests. */
export function observation(patientId: string, code = '1000'): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: 'urn:oid:1.2.643.5.1.13.13.11.1080', version: '3.40', code, display: 'Гемоглобин (invented code)' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: '2024-03-01T09:30:00+03:00',
    issued: '2024-03-01T12:00:00+03:00',
    valueQuantity: { value: 135, unit: 'г/л', system: 'http://unitsofmeasure.org', code: 'g/L' },
    referenceRange: [{ low: { value: 120, unit: 'г/л' }, high: { value: 160, unit: 'г/л' } }],
  };
}
