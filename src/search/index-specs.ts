/**
 * Indexes each resource collection needs for the filters compile.ts produces: equality
 * fields first, the range field last. Entries are kept per parameter type (`idx.token` ...),
 * so every entry lands in the indexes of its own type only: one key per entry (two for dates).
 */
import type { IndexSpec } from '../store/types.js';

export const INDEX_SPECS: readonly IndexSpec[] = [
  { 'idx.token.p': 1, 'idx.token.c': 1, 'idx.token.s': 1 }, // code, system|code (system| scans the parameter)
  { 'idx.string.p': 1, 'idx.string.n': 1 }, // starts-with and :exact
  { 'idx.reference.p': 1, 'idx.reference.r': 1 },
  { 'idx.date.p': 1, 'idx.date.lo': 1 }, // eq, lt, le, sa, ap
  { 'idx.date.p': 1, 'idx.date.hi': 1 }, // gt, ge, eb
  { 'idx.number.p': 1, 'idx.number.v': 1 },
  { 'idx.quantity.p': 1, 'idx.quantity.v': 1 },
  { 'idx.uri.p': 1, 'idx.uri.u': 1 },
  // composites with a token first: its code and system, then a quantity / number second value
  { 'idx.composite.p': 1, 'idx.composite.c0c': 1, 'idx.composite.c0s': 1, 'idx.composite.c1v': 1 },
  { lastUpdated: 1 },
];
