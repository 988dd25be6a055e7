/**
 * Indexes each resource collection needs for the filters compile.ts produces:
 * equality fields first (p, then s/c...), the range field last.
 */
import type { IndexSpec } from '../store/types.js';

export const INDEX_SPECS: readonly IndexSpec[] = [
  { 'idx.p': 1, 'idx.s': 1, 'idx.c': 1 }, // token system|code, system|
  { 'idx.p': 1, 'idx.c': 1 }, // token code
  { 'idx.p': 1, 'idx.r': 1 }, // reference
  { 'idx.p': 1, 'idx.i': 1 }, // reference :identifier
  { 'idx.p': 1, 'idx.n': 1 }, // string starts-with
  { 'idx.p': 1, 'idx.x': 1 }, // string :exact
  { 'idx.p': 1, 'idx.lo': 1 }, // date eq, lt, sa...
  { 'idx.p': 1, 'idx.hi': 1 }, // date gt, eb
  { 'idx.p': 1, 'idx.v': 1 }, // number, quantity
  { 'idx.p': 1, 'idx.u': 1 }, // uri
  { lastUpdated: 1 },
];
