/**
 * Index bounds for one field's condition. Bounds only need to be a superset
 * of the matches: every candidate is re-checked with mingo.
 */
import { TAG, encodeComponent, isIndexableScalar, isPlainObject, isRangeSafe, tagOf } from './key-codec.ts';

export type FieldBounds =
  | { kind: 'points'; comps: Buffer[] }
  | { kind: 'range'; tag: number; lo?: Buffer; hi?: Buffer };

const RANGE_TAGS = new Set<number>([TAG.NUMBER, TAG.STRING, TAG.DATE]);

export function isOperatorObject(v: unknown): v is Record<string, unknown> {
  if (!isPlainObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

function pointsOf(values: unknown[]): FieldBounds | null {
  if (!values.every(isIndexableScalar)) return null;
  return { kind: 'points', comps: values.map(encodeComponent) };
}

function rangeBound(v: unknown): number | null {
  if (!isIndexableScalar(v) || v === null || !isRangeSafe(v)) return null;
  const tag = tagOf(v);
  return RANGE_TAGS.has(tag) ? tag : null;
}

/**
 * One side only: with multikey values `{$gt: 1, $lt: 5}` matches [0, 10]
 * (different elements satisfy each side), so intersecting both sides could miss it.
 */
function rangeOf(ops: Record<string, unknown>): FieldBounds | null {
  for (const op of ['$gt', '$gte']) {
    const tag = rangeBound(ops[op]);
    if (tag !== null) return { kind: 'range', tag, lo: encodeComponent(ops[op]) };
  }
  for (const op of ['$lt', '$lte']) {
    const tag = rangeBound(ops[op]);
    if (tag !== null) return { kind: 'range', tag, hi: encodeComponent(ops[op]) };
  }
  return null;
}

/** Bounds for `field: cond` (implicit equality or an operator object), or null if not indexable. */
export function fieldBounds(cond: unknown): FieldBounds | null {
  if (!isOperatorObject(cond)) {
    if (isPlainObject(cond) || Array.isArray(cond) || cond instanceof RegExp) return null;
    return pointsOf([cond]);
  }
  if ('$eq' in cond) {
    const b = pointsOf([cond.$eq]);
    if (b) return b;
  }
  if (Array.isArray(cond.$in)) {
    const b = pointsOf(cond.$in);
    if (b) return b;
  }
  return rangeOf(cond);
}

export function pointCount(b: FieldBounds): number {
  return b.kind === 'points' ? b.comps.length : 1;
}
