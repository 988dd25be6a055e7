/**
 * The update operators the server's own bookkeeping uses ($set, $inc, $unset, $push of one value)
 * on plain field paths, applied directly. mingo's updater builds a fresh operator context on every
 * call, which cost a sixth of the server's CPU under subscription delivery; anything this cannot
 * apply exactly as MongoDB would (array positions, operators on non-objects, modifiers, paths that
 * overlap) is left to mingo.
 */
import { isEqual } from 'mingo/util';
import { isPlainObject } from './key-codec.ts';

const PLAIN_OPERATORS = new Set(['$set', '$inc', '$unset', '$push']);
const NOT_PLAIN = undefined;

interface Change {
  operator: string;
  segments: string[];
  value: unknown;
}

function plainSegments(path: string): string[] | undefined {
  const segments = path.split('.');
  return segments.every((s) => s !== '' && !s.startsWith('$') && !/^\d+$/.test(s)) ? segments : NOT_PLAIN;
}

/** `{ $each: ... }` and the like: modifiers or expressions, whose meaning mingo knows. */
function holdsOperatorKeys(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsOperatorKeys);
  return isPlainObject(value) && Object.entries(value).some(([k, v]) => k.startsWith('$') || holdsOperatorKeys(v));
}

/** The update's changes, or undefined when an operator, path or value needs mingo. */
function plainChanges(update: Record<string, unknown>): Change[] | undefined {
  const changes: Change[] = [];
  for (const [operator, fields] of Object.entries(update)) {
    if (!PLAIN_OPERATORS.has(operator) || !isPlainObject(fields)) return NOT_PLAIN;
    for (const [path, value] of Object.entries(fields)) {
      const segments = plainSegments(path);
      if (!segments || value === undefined) return NOT_PLAIN;
      if (operator === '$inc' && typeof value !== 'number') return NOT_PLAIN;
      if (holdsOperatorKeys(value)) return NOT_PLAIN;
      changes.push({ operator, segments, value });
    }
  }
  const paths = changes.map((c) => c.segments.join('.'));
  const overlapping = paths.some((p, i) => paths.some((q, j) => i !== j && (p === q || q.startsWith(`${p}.`))));
  return overlapping ? NOT_PLAIN : changes;
}

/** The object holding the path's last field, made on the way when `create`; undefined when the path crosses a non-object. */
function parentOf(doc: Record<string, unknown>, segments: string[], create: boolean): Record<string, unknown> | null | undefined {
  let current = doc;
  for (const segment of segments.slice(0, -1)) {
    const next = current[segment];
    if (next === undefined) {
      if (!create) return null;
      current[segment] = {};
    } else if (!isPlainObject(next)) return NOT_PLAIN;
    current = current[segment] as Record<string, unknown>;
  }
  return current;
}

/** Whether every change can be applied to the document as it stands without mingo's rules for odd cases. */
function applicable(doc: Record<string, unknown>, changes: Change[]): boolean {
  return changes.every(({ operator, segments }) => {
    const parent = parentOf(doc, segments, false);
    if (parent === NOT_PLAIN) return false;
    const current = parent?.[segments.at(-1)!];
    if (operator === '$inc') return current === undefined || typeof current === 'number';
    if (operator === '$push') return current === undefined || Array.isArray(current);
    return true;
  });
}

function apply(doc: Record<string, unknown>, { operator, segments, value }: Change): boolean {
  const field = segments.at(-1)!;
  const parent = parentOf(doc, segments, operator !== '$unset');
  if (!parent) return false;
  const current = parent[field];
  switch (operator) {
    case '$set':
      if (isEqual(current, value)) return false;
      parent[field] = structuredClone(value);
      return true;
    case '$inc':
      parent[field] = ((current as number | undefined) ?? 0) + (value as number);
      return current === undefined || value !== 0;
    case '$unset':
      if (!(field in parent)) return false;
      delete parent[field];
      return true;
    default: // $push
      parent[field] = [...((current as unknown[] | undefined) ?? []), structuredClone(value)];
      return true;
  }
}

/**
 * Applies a plain update to `doc` in place and returns the changed paths, or undefined (with `doc`
 * untouched) when the update is not plain and mingo must apply it.
 */
export function applyPlainUpdate(doc: Record<string, unknown>, update: Record<string, unknown>): string[] | undefined {
  const changes = plainChanges(update);
  if (!changes || !applicable(doc, changes)) return NOT_PLAIN;
  return changes.filter((change) => apply(doc, change)).map((change) => change.segments.join('.'));
}
