/** Query parameters several interactions share: _since and _count. */
import { FhirError } from '../fhir/errors.js';

const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export function parseSince(raw: string | null): Date | undefined {
  if (raw === null) return undefined;
  const time = INSTANT.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(time)) throw new FhirError('FHIR_ERR_PARAM_INVALID', ['_since', 'use an instant such as 2024-01-31T10:00:00Z']);
  return new Date(time);
}

/** A page size from 1, `fallback` when absent, at most `max`. */
export function parseCount(raw: string | null, fallback: number, max: number): number {
  if (raw === null) return fallback;
  const count = Number(raw);
  if (!/^\d+$/.test(raw) || count < 1) throw new FhirError('FHIR_ERR_PARAM_INVALID', ['_count', 'use a whole number from 1']);
  return Math.min(count, max);
}
