/**
 * Key bounds on one field for an index-ordered scan. The field is known to
 * hold no arrays (see index-traits.ts), so both sides of a range may be
 * intersected, and the branches of an `$or` combine into their hull.
 * Like all bounds, these only need to contain every match: candidates are re-checked with mingo.
 */
import { END, TAG, encodeComponent, isIndexableScalar, isPlainObject, isRangeSafe, tagOf } from './key-codec.ts';
import { isOperatorObject } from './bounds.ts';
import { conjuncts } from './planner.ts';

/** Encoded component bytes: `lo` inclusive, `hi` exclusive; a missing side is unbounded. */
export interface KeyRange {
  lo?: Buffer;
  hi?: Buffer;
}

const RANGE_TAGS = new Set<number>([TAG.NUMBER, TAG.STRING, TAG.DATE]);

const max = (a?: Buffer, b?: Buffer) => (!a ? b : !b ? a : Buffer.compare(a, b) >= 0 ? a : b);
const min = (a?: Buffer, b?: Buffer) => (!a ? b : !b ? a : Buffer.compare(a, b) <= 0 ? a : b);

function intersect(a: KeyRange, b: KeyRange): KeyRange {
  return { lo: max(a.lo, b.lo), hi: min(a.hi, b.hi) };
}

/** The smallest range containing both; a side unbounded in either stays unbounded. */
function hull(a: KeyRange, b: KeyRange): KeyRange {
  return { lo: a.lo && b.lo ? min(a.lo, b.lo) : undefined, hi: a.hi && b.hi ? max(a.hi, b.hi) : undefined };
}

function point(v: unknown): KeyRange | null {
  if (!isIndexableScalar(v)) return null;
  const c = encodeComponent(v);
  return { lo: c, hi: Buffer.concat([c, END]) };
}

/** `$gt`/`$gte` and `$lt`/`$lte` only match values of the bound's own type. */
function sideOf(op: string, v: unknown): KeyRange | null {
  if (!isIndexableScalar(v) || v === null || !isRangeSafe(v) || !RANGE_TAGS.has(tagOf(v))) return null;
  const c = encodeComponent(v);
  const tag = Buffer.from([c[0]]);
  const after = Buffer.from([c[0] + 1]);
  return op === '$gt' || op === '$gte' ? { lo: c, hi: after } : { lo: tag, hi: Buffer.concat([c, END]) };
}

function inRange(values: unknown): KeyRange | null {
  if (!Array.isArray(values) || values.length === 0) return null;
  const points = values.map(point);
  if (points.some((p) => p === null)) return null;
  return (points as KeyRange[]).reduce(hull);
}

function operatorRange(ops: Record<string, unknown>): KeyRange {
  let range: KeyRange = {};
  for (const [op, v] of Object.entries(ops)) {
    const r = op === '$eq' ? point(v) : op === '$in' ? inRange(v) : ['$gt', '$gte', '$lt', '$lte'].includes(op) ? sideOf(op, v) : null;
    if (r) range = intersect(range, r);
  }
  return range;
}

function condRange(cond: unknown): KeyRange {
  if (isOperatorObject(cond)) return operatorRange(cond);
  if (isPlainObject(cond) || Array.isArray(cond) || cond instanceof RegExp) return {};
  return point(cond) ?? {};
}

function orRange(branches: unknown, field: string): KeyRange {
  if (!Array.isArray(branches) || branches.length === 0) return {};
  return branches.map((b) => (isPlainObject(b) ? filterRange(b, field) : {})).reduce(hull);
}

/** Bounds that every document matching `filter` has on `field`. */
export function filterRange(filter: Record<string, unknown>, field: string): KeyRange {
  let range: KeyRange = {};
  for (const [k, v] of conjuncts(filter)) {
    if (k === field) range = intersect(range, condRange(v));
    else if (k === '$or') range = intersect(range, orRange(v, field));
  }
  return range;
}
