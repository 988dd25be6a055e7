/**
 * Keyset paging (stable while others write): a page link carries the sort values of the
 * last (or first) match it saw, and the next page is "what sorts after those values".
 * Offsets would skip or repeat results when matches are created or deleted in between.
 *
 * A cursor is opaque to clients: base64url of JSON `[direction, [[tag, value], ...]]`, one
 * tagged value per sort field. Decoding accepts only those shapes, so nothing a client puts
 * in a cursor can reach the store as anything but a plain string, number, date or null.
 */
import { FhirError } from '../fhir/errors.js';
import type { Filter, SortSpec } from '../store/types.js';

export type CursorDirection = 'next' | 'previous';

export interface Cursor {
  direction: CursorDirection;
  /** The sort values of the boundary match, in sort-field order. */
  values: SortValue[];
}

export type SortValue = string | number | Date | null;

type Tagged = ['s', string] | ['n', number] | ['d', string] | ['z'];

function tag(value: SortValue): Tagged {
  if (value === null) return ['z'];
  if (value instanceof Date) return ['d', value.toISOString()];
  return typeof value === 'number' ? ['n', value] : ['s', value];
}

function untag(item: unknown): SortValue {
  if (!Array.isArray(item)) throw invalidCursor();
  const [kind, value] = item;
  if (kind === 'z' && item.length === 1) return null;
  if (kind === 's' && typeof value === 'string') return value;
  if (kind === 'n' && typeof value === 'number' && Number.isFinite(value)) return value;
  if (kind === 'd' && typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value);
  throw invalidCursor();
}

export function invalidCursor(): FhirError {
  return new FhirError('FHIR_ERR_PARAM_INVALID', ['_cursor', 'the paging cursor is malformed or belongs to another search']);
}

/** The JSON inside a cursor (base64url); anything undecodable is a 400. */
export function cursorJson(text: string): unknown {
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.direction, cursor.values.map(tag)])).toString('base64url');
}

/** Decodes a cursor for a search sorted by `sort`; anything else is a 400. */
export function decodeCursor(text: string, sort: SortSpec): Cursor {
  const parsed = cursorJson(text);
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalidCursor();
  const [direction, values] = parsed;
  if ((direction !== 'next' && direction !== 'previous') || !Array.isArray(values)) throw invalidCursor();
  if (values.length !== Object.keys(sort).length) throw invalidCursor();
  return { direction, values: values.map(untag) };
}

/** The value of a (possibly dotted) sort field in a stored document; missing is null. */
export function sortValueOf(doc: Record<string, unknown>, field: string): SortValue {
  let value: unknown = doc;
  for (const step of field.split('.')) value = (value as Record<string, unknown> | undefined)?.[step];
  return value instanceof Date || typeof value === 'string' || typeof value === 'number' ? value : null;
}

export function sortValues(doc: Record<string, unknown>, sort: SortSpec): SortValue[] {
  return Object.keys(sort).map((field) => sortValueOf(doc, field));
}

/** The sort read backwards: a previous page is the next page of the reversed order. */
export function reverseSort(sort: SortSpec): SortSpec {
  return Object.fromEntries(Object.entries(sort).map(([field, dir]) => [field, dir === 1 ? -1 : 1]));
}

/**
 * Documents sorting strictly after `values` in `sort` (missing values sort first ascending
 * and last descending, as in MongoDB): for each field, equal on the fields before it and
 * after on it.
 */
export function keysetFilter(sort: SortSpec, values: SortValue[]): Filter {
  const fields = Object.entries(sort);
  const branches: Filter[] = [];
  fields.forEach(([field, dir], i) => {
    const after = afterValue(field, dir, values[i]!);
    if (!after) return;
    const equalBefore = fields.slice(0, i).map(([f], j) => ({ [f]: values[j] }));
    branches.push(equalBefore.length > 0 ? { $and: [...equalBefore, after] } : after);
  });
  if (branches.length === 0) return { _id: { $in: [] } };
  return branches.length === 1 ? branches[0]! : { $or: branches };
}

function afterValue(field: string, dir: 1 | -1, value: SortValue): Filter | undefined {
  if (dir === 1) return { [field]: value === null ? { $ne: null } : { $gt: value } };
  if (value === null) return undefined; // nothing sorts after a missing value descending
  return { $or: [{ [field]: { $lt: value } }, { [field]: null }] };
}
