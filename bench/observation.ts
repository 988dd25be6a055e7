import type { Observation } from 'fhir/r4.js';

/** A lab Observation of about 1.5 KB, EGISZ-flavoured; the ФСЛИ code is invented. */
export function observation(): Observation {
  return {
    resourceType: 'Observation',
    meta: { profile: ['http://hl7.org/fhir/StructureDefinition/Observation'] },
    identifier: [{ system: 'urn:oid:1.2.643.5.1.13.13.12.2.77.7974.100.1.1.51', value: `lab-${Math.random().toString(36).slice(2)}` }],
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' }] }],
    code: { coding: [{ system: 'urn:oid:1.2.643.5.1.13.13.11.1080', version: '3.40', code: '1000', display: 'Гемоглобин общий в крови (invented code)' }] },
    subject: { reference: 'Patient/bench-patient-1', display: 'Пациент для нагрузочного теста' },
    effectiveDateTime: '2024-03-01T09:30:00+03:00',
    issued: '2024-03-01T12:00:00+03:00',
    performer: [{ reference: 'Organization/bench-lab', display: 'Клинико-диагностическая лаборатория' }],
    valueQuantity: { value: 135, unit: 'г/л', system: 'urn:oid:1.2.643.5.1.13.13.11.1358', code: '189' },
    interpretation: [{ coding: [{ system: 'urn:oid:1.2.643.5.1.13.13.11.1381', code: 'N', display: 'Нормальный' }] }],
    referenceRange: [{ low: { value: 120, unit: 'г/л' }, high: { value: 160, unit: 'г/л' }, text: '120–160 г/л' }],
    note: [{ text: 'Образец получен натощак. Повторный анализ не требуется. Результат подтверждён врачом КДЛ.' }],
    specimen: { reference: 'Specimen/bench-specimen', display: 'Венозная кровь' },
    device: { display: 'Гематологический анализатор' },
  };
}
