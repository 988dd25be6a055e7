/** Number index entries: v (the value) and lo..hi (its implicit precision range). */
import type { IndexEntry } from '../types.js';
import type { TypedValue } from '../expressions.js';
import { numberRange } from '../number-range.js';

export function numberEntries(p: string, { value }: TypedValue): IndexEntry[] {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(n)) return [];
  const { lo, hi } = numberRange(n);
  return [{ p, v: n, lo, hi }];
}
