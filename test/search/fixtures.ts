/**
 * Hand-made Russian-flavoured resources for search tests.
 * SNILS numbers pass their check digit; the ФСЛИ codes (urn:oid:1.2.643.5.1.13.13.11.1080)
 * "1000" and "1001", the ENP and the unit code are INVENTED for these tests.
 */
import type { ChargeItem, Observation, Patient } from 'fhir/r4.js';

export const SNILS = 'urn:oid:1.2.643.100.3';
export const SNILS_N3 = 'urn:oid:1.2.643.2.69.1.1.1.6.223';
export const ENP = 'urn:oid:1.2.643.2.69.1.1.1.6.228';
export const FSLI = 'urn:oid:1.2.643.5.1.13.13.11.1080';
export const UNITS = 'urn:oid:1.2.643.5.1.13.13.11.1358';
export const UCUM = 'http://unitsofmeasure.org';

export const patients: Patient[] = [
  {
    resourceType: 'Patient', id: 'p1', gender: 'male', birthDate: '2020-06-15',
    identifier: [{ system: SNILS, value: '11223344595' }],
    name: [{ use: 'official', family: 'Ёлкин', given: ['Пётр', 'Семёнович'] }],
    address: [{ city: 'Москва', line: ['ул. Тверская, д. 1'] }],
  },
  {
    resourceType: 'Patient', id: 'p2', gender: 'female', birthDate: '2020',
    identifier: [{ system: SNILS_N3, value: '08765430300' }, { system: ENP, value: '7700000000000001' }],
    name: [{ family: 'Иванова', given: ['Мария', 'Ивановна'] }],
    address: [{ city: 'Санкт-Петербург' }],
  },
  {
    resourceType: 'Patient', id: 'p3', birthDate: '2019-12-31',
    name: [{ family: 'Müller', given: ['Jörg'] }],
  },
  {
    resourceType: 'Patient', id: 'p4', gender: 'female', birthDate: '2020-06',
    name: [{ family: 'Елкина', given: ['Анна'] }],
  },
];

const lab = (code: string, display: string) => ({
  coding: [{ system: FSLI, version: '3.40', code, display }],
  text: display,
});

export const observations: Observation[] = [
  {
    resourceType: 'Observation', id: 'o1', status: 'final',
    meta: { profile: ['https://egisz.example.ru/fhir/StructureDefinition/lab-observation'] },
    code: lab('1000', 'Гемоглобин'),
    subject: { reference: 'Patient/p1' },
    performer: [{ reference: 'Organization/lab1' }],
    effectiveDateTime: '2024-03-10T09:30:00+03:00',
    valueQuantity: { value: 130, unit: 'г/л', system: UCUM, code: 'g/L' },
  },
  {
    resourceType: 'Observation', id: 'o2', status: 'preliminary',
    code: lab('1000', 'Гемоглобин'),
    subject: { reference: 'https://egisz.example.ru/fhir/Patient/p2' },
    effectivePeriod: { start: '2024-03-01', end: '2024-03-05' },
    valueQuantity: { value: 5.4, unit: 'ммоль/л', system: UCUM, code: 'mmol/L' },
  },
  {
    resourceType: 'Observation', id: 'o3', status: 'final',
    code: lab('1001', 'Лейкоциты'),
    subject: { identifier: { system: SNILS, value: '11223344595' } },
    effectiveDateTime: '2024-03',
    valueQuantity: { value: 100, unit: '10^9/л', system: UNITS, code: '10*9/L' },
  },
  {
    resourceType: 'Observation', id: 'o4', status: 'cancelled',
    code: { coding: [{ code: 'local-1' }] },
    subject: { reference: 'Patient/p1/_history/2' },
    effectivePeriod: { start: '2024-02-20' },
    valueCodeableConcept: { text: 'отрицательно' },
  },
];

export const chargeItems: ChargeItem[] = [
  { resourceType: 'ChargeItem', id: 'c1', status: 'billable', code: { text: 'x' }, subject: { reference: 'Patient/p1' }, factorOverride: 100 },
  { resourceType: 'ChargeItem', id: 'c2', status: 'billable', code: { text: 'x' }, subject: { reference: 'Patient/p1' }, factorOverride: 100.4 },
  { resourceType: 'ChargeItem', id: 'c3', status: 'billable', code: { text: 'x' }, subject: { reference: 'Patient/p1' }, factorOverride: 0.5 },
  { resourceType: 'ChargeItem', id: 'c4', status: 'billable', code: { text: 'x' }, subject: { reference: 'Patient/p1' }, factorOverride: 99.5 },
];
