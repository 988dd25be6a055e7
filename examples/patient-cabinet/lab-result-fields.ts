/** What the cabinet shows of a DiagnosticReport or Observation: when, what, the value and its status. */
import type { CodeableConcept, Observation } from 'fhir/r4.js';
import type { LabResult } from './cabinet-store.js';

const STATUS_LABELS: Record<string, string> = {
  registered: 'зарегистрирован',
  partial: 'частичный',
  preliminary: 'предварительный',
  final: 'окончательный',
  amended: 'изменён',
  corrected: 'исправлен',
  appended: 'дополнен',
  cancelled: 'отменён',
  'entered-in-error': 'внесён ошибочно',
  unknown: 'неизвестен',
};

/** The clinically relevant time: when the sample was taken, else when the result was issued. */
export function resultTime(result: LabResult): string | undefined {
  return result.effectiveDateTime ?? result.effectivePeriod?.start ?? result.issued;
}

/** Milliseconds for ordering; results without a time sort as the oldest. */
export function resultInstant(result: LabResult): number {
  const time = Date.parse(resultTime(result) ?? '');
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}

/** 2026-11-20T10:05:00+03:00 → 20.11.2026 10:05: the clock time the laboratory wrote. */
export function russianDate(time: string | undefined): string {
  const parts = time?.match(/^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:T(\d{2}:\d{2}))?/);
  if (!parts) return '—';
  const [, year, month, day, clock] = parts;
  const date = [day, month, year].filter(Boolean).join('.');
  return clock ? `${date} ${clock}` : date;
}

export function testName(code: CodeableConcept): string {
  const coding = code.coding?.find((item) => item.display) ?? code.coding?.[0];
  return code.text ?? coding?.display ?? coding?.code ?? 'Без названия';
}

/** The code a trend follows: the first coding's code. */
export function testCode(code: CodeableConcept): string | undefined {
  return code.coding?.find((coding) => coding.code)?.code;
}

export function numericValue(observation: Observation): { value: number; unit?: string } | undefined {
  const quantity = observation.valueQuantity;
  if (typeof quantity?.value !== 'number') return undefined;
  return { value: quantity.value, unit: quantity.unit ?? quantity.code };
}

function observationValue(observation: Observation): string {
  const numeric = numericValue(observation);
  if (numeric) {
    const comparator = observation.valueQuantity?.comparator ?? '';
    return [`${comparator}${numeric.value.toLocaleString('ru-RU')}`, numeric.unit].filter(Boolean).join(' ');
  }
  if (observation.valueString !== undefined) return observation.valueString;
  if (observation.valueCodeableConcept) return testName(observation.valueCodeableConcept);
  if (observation.valueBoolean !== undefined) return observation.valueBoolean ? 'да' : 'нет';
  return '—';
}

export function resultValue(result: LabResult): string {
  if (result.resourceType === 'Observation') return observationValue(result);
  return result.conclusion ?? '—';
}

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}
