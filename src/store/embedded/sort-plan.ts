/**
 * Index-ordered scans: when an index's key order gives the requested sort
 * order (MongoDB's rule: after the index fields fixed by single-value
 * equality, the sort spec starts with the next index fields, all in the
 * scan's direction), walking the index forward or backward yields documents
 * in sort order, and a query with a limit can stop early.
 *
 * Keys are stored ascending whatever the index spec's directions, so a scan
 * serves sort fields that all ascend (forward) or all descend (backward).
 * Sort fields after the served ones are applied by sorting each group of
 * documents whose served components are equal (see ordered-scan.ts).
 */
import type { Filter, SortSpec } from '../types.ts';
import { fieldBounds } from './bounds.ts';
import { type IndexDef, indexPrefix } from './index-keys.ts';
import { sortsLikeMingo } from './index-traits.ts';
import { END } from './key-codec.ts';
import { type Interval, conjuncts } from './planner.ts';
import { filterRange } from './sort-bounds.ts';

export interface OrderedScan {
  index: IndexDef;
  interval: Interval;
  reverse: boolean;
  /** Bytes every key in the interval starts with: index name and the equality-fixed components. */
  prefixLength: number;
  /** How many components after the prefix are in sort order. */
  sortedComponents: number;
  /** Index fields fixed by equality. */
  fixed: string[];
}

/** Leading index fields with one equality value in the filter, and their encoded values. */
function fixedPrefix(def: IndexDef, filter: Filter): { fields: string[]; comps: Buffer[] } {
  const points = new Map<string, Buffer>();
  for (const [path, cond] of conjuncts(filter)) {
    const b = fieldBounds(cond);
    if (b?.kind === 'points' && b.comps.length === 1 && !points.has(path)) points.set(path, b.comps[0]);
  }
  const fields: string[] = [];
  const comps: Buffer[] = [];
  for (const field of Object.keys(def.key)) {
    const comp = points.get(field);
    // fields sharing an array prefix may match in different elements: only one of them can be fixed
    if (!comp || fields.some((f) => f.split('.')[0] === field.split('.')[0])) break;
    fields.push(field);
    comps.push(comp);
  }
  return { fields, comps };
}

/** How many leading sort fields the index components from `start` serve, all in `dir`. */
function servedCount(def: IndexDef, start: number, sort: [string, 1 | -1][], dir: 1 | -1): number {
  const fields = Object.keys(def.key);
  let n = 0;
  while (n < sort.length && start + n < fields.length) {
    const [field, d] = sort[n];
    if (fields[start + n] !== field || d !== dir || !sortsLikeMingo(def, field)) break;
    n++;
  }
  return n;
}

function candidate(def: IndexDef, filter: Filter, sort: SortSpec): OrderedScan | null {
  const { fields: fixed, comps } = fixedPrefix(def, filter);
  // a fixed field holding no arrays is constant across matches: it drops out of the sort
  const rest = Object.entries(sort).filter(([f]) => !(fixed.includes(f) && sortsLikeMingo(def, f)));
  if (rest.length === 0) return null;
  const dir = rest[0][1];
  const served = servedCount(def, fixed.length, rest, dir);
  if (served === 0) return null;
  const base = Buffer.concat([indexPrefix(def), ...comps]);
  const { lo, hi } = filterRange(filter, rest[0][0]);
  const interval = { start: Buffer.concat([base, lo ?? Buffer.alloc(0)]), end: Buffer.concat([base, hi ?? END]) };
  return { index: def, interval, reverse: dir === -1, prefixLength: base.length, sortedComponents: served, fixed };
}

/** The index scan that serves the most of the sort within the tightest equality prefix, if any. */
export function orderedScanPlan(filter: Filter, sort: SortSpec | undefined, indexes: IndexDef[]): OrderedScan | null {
  if (!sort || Object.keys(sort).length === 0) return null;
  const scans = indexes.map((def) => candidate(def, filter, sort)).filter((s): s is OrderedScan => s !== null);
  scans.sort((a, b) => b.fixed.length - a.fixed.length || b.sortedComponents - a.sortedComponents);
  return scans[0] ?? null;
}
