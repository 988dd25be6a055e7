/** Quantity index entries: v, lo..hi (precision range), s (system), c (code), u (unit). Money uses ISO 4217. */
import type { Money, Quantity } from 'fhir/r4.js';
import type { IndexEntry } from '../types.js';
import type { TypedValue } from '../expressions.js';
import { numberRange } from '../number-range.js';

export const CURRENCY_SYSTEM = 'urn:iso:std:iso:4217';

function entry(p: string, value: number, system?: string, code?: string, unit?: string): IndexEntry {
  const { lo, hi } = numberRange(value);
  const e: IndexEntry = { p, v: value, lo, hi };
  if (system !== undefined) e.s = system;
  if (code !== undefined) e.c = code;
  if (unit !== undefined) e.u = unit;
  return e;
}

export function quantityEntries(p: string, { value, type }: TypedValue): IndexEntry[] {
  if (typeof value !== 'object' || value === null) return [];
  if (type === 'Money') {
    const money = value as Money;
    return typeof money.value === 'number' ? [entry(p, money.value, CURRENCY_SYSTEM, money.currency)] : [];
  }
  const q = value as Quantity;
  return typeof q.value === 'number' ? [entry(p, q.value, q.system, q.code, q.unit)] : [];
}
