/** Update operators (via mingo) and MongoDB's rules for building an upserted document. */
import { update as mingoUpdate } from 'mingo';
import { isEqual } from 'mingo/util';
import type { Document, Filter } from '../types.ts';
import { immutableIdError } from './errors.ts';
import { isOperatorObject } from './bounds.ts';
import { isPlainObject } from './key-codec.ts';
import { randomBytes } from 'node:crypto';
import { applyPlainUpdate } from './plain-update.ts';

/** A 24-hex-digit id like an ObjectId's string form (the embedded engine stores ids as plain values). */
export function newId(): string {
  const time = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
  return time + randomBytes(8).toString('hex');
}

export function assertOperatorUpdate(update: Filter): void {
  const keys = Object.keys(update);
  if (keys.length === 0 || !keys.every((k) => k.startsWith('$'))) {
    throw new Error('Update document requires atomic operators');
  }
}

export function assertReplacement(doc: Document): void {
  if (Object.keys(doc).some((k) => k.startsWith('$'))) {
    throw new Error('Replacement document must not contain atomic operators');
  }
}

/** Returns the updated copy, or null when the update changed nothing. */
export function applyUpdate(doc: Document, update: Filter, isInsert: boolean): Document | null {
  const { $setOnInsert, ...rest } = update as Record<string, Record<string, unknown>>;
  const next = structuredClone(doc);
  let changed: string[] = [];
  if (Object.keys(rest).length > 0) changed = applyOperators(next, rest);
  if (isInsert && $setOnInsert) changed.push(...applyOperators(next, { $set: $setOnInsert }));
  if (changed.length === 0 || isEqual(next, doc)) return null;
  if (!isEqual(next._id, doc._id)) throw immutableIdError();
  return next;
}

function applyOperators(doc: Document, update: Record<string, unknown>): string[] {
  // mingo gets a copy: it can change an update's operands in place (an empty path segment under $min)
  return applyPlainUpdate(doc, update) ?? mingoUpdate(doc, structuredClone(update) as never, undefined, undefined, { cloneMode: 'deep' });
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segs = path.split('.');
  let cur = target;
  for (const s of segs.slice(0, -1)) {
    if (!isPlainObject(cur[s])) cur[s] = {};
    cur = cur[s] as Record<string, unknown>;
  }
  cur[segs[segs.length - 1]] = structuredClone(value);
}

/** The equality fields of a filter, which MongoDB copies into an upserted document. */
export function upsertSeed(filter: Filter): Document {
  const seed: Record<string, unknown> = {};
  const visit = (f: Filter): void => {
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) v.forEach((sub) => isPlainObject(sub) && visit(sub));
      else if (k.startsWith('$')) continue;
      else if (isOperatorObject(v)) {
        if ('$eq' in v) setPath(seed, k, v.$eq);
      } else if (!(v instanceof RegExp)) setPath(seed, k, v);
    }
  };
  visit(filter);
  return seed;
}

export function replacementFor(prev: Document, replacement: Document): Document {
  assertReplacement(replacement);
  if ('_id' in replacement && !isEqual(replacement._id, prev._id)) throw immutableIdError();
  return { _id: prev._id, ...structuredClone(replacement) };
}
