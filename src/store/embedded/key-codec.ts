/**
 * Order-preserving, type-tagged binary encoding of values for lmdb keys.
 * Each component is a tag byte (in MongoDB's BSON type order) followed by a
 * self-delimiting payload, so concatenated components sort component-wise and
 * values of different types never interleave in a range scan.
 */

export const TAG = {
  NULL: 0x10,
  NUMBER: 0x20,
  STRING: 0x30,
  OBJECT: 0x40,
  BINARY: 0x60,
  BOOL: 0x80,
  DATE: 0x90,
  REGEX: 0xb0,
  OTHER: 0xc0,
} as const;

/** A byte greater than any tag: `prefix + END` is above every key that extends `prefix`. */
export const END = Buffer.from([0xff]);

/** Strings longer than this (in UTF-8 bytes) are truncated in index keys; truncation keeps order monotone. */
export const MAX_STRING_KEY_BYTES = 256;

const NAN_BITS = Buffer.from([0x7f, 0xf8, 0, 0, 0, 0, 0, 0]);

function encodeDouble(tag: number, n: number): Buffer {
  const out = Buffer.alloc(9);
  out[0] = tag;
  if (Number.isNaN(n)) {
    NAN_BITS.copy(out, 1);
  } else {
    out.writeDoubleBE(n === 0 ? 0 : n, 1); // -0 and 0 are equal in queries
  }
  if (out[1] & 0x80) {
    for (let i = 1; i < 9; i++) out[i] = ~out[i] & 0xff;
  } else {
    out[1] |= 0x80;
  }
  return out;
}

function truncateUtf8(bytes: Buffer, max: number): Buffer {
  if (bytes.length <= max) return bytes;
  let cut = max;
  while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--; // never split a character
  return bytes.subarray(0, cut);
}

/** 0x00 is escaped as 00 FF and the string ends with 00 01, so strings stay prefix-free and ordered. */
function encodeString(s: string, truncate: boolean): Buffer {
  let bytes: Buffer = Buffer.from(s, 'utf8');
  if (truncate) bytes = truncateUtf8(bytes, MAX_STRING_KEY_BYTES);
  const parts: number[] = [TAG.STRING];
  for (const b of bytes) {
    parts.push(b);
    if (b === 0) parts.push(0xff);
  }
  parts.push(0, 1);
  return Buffer.from(parts);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Encodes one scalar for an index key. Objects collapse to their tag: the planner never bounds on them. */
export function encodeComponent(v: unknown): Buffer {
  if (v === null || v === undefined) return Buffer.from([TAG.NULL]);
  if (typeof v === 'number') return encodeDouble(TAG.NUMBER, v);
  if (typeof v === 'string') return encodeString(v, true);
  if (typeof v === 'boolean') return Buffer.from([TAG.BOOL, v ? 1 : 0]);
  if (v instanceof Date) return encodeDouble(TAG.DATE, v.getTime());
  if (v instanceof RegExp) return Buffer.from([TAG.REGEX]);
  if (v instanceof Uint8Array) return Buffer.from([TAG.BINARY]);
  if (isPlainObject(v)) return Buffer.from([TAG.OBJECT]);
  return Buffer.from([TAG.OTHER]);
}

/** Canonical JSON with sorted keys and tagged Dates, so equal object ids encode identically. */
function canonicalJson(v: unknown): string {
  if (v instanceof Date) return JSON.stringify({ $date: v.getTime() });
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isPlainObject(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The primary key of a document: like a component, but exact (no truncation, objects by content). */
export function encodePrimaryKey(id: unknown): Buffer {
  if (typeof id === 'string') return encodeString(id, false);
  if (typeof id === 'object' && id !== null && !(id instanceof Date)) {
    const body = encodeString(canonicalJson(id), false);
    body[0] = TAG.OBJECT;
    return body;
  }
  return encodeComponent(id);
}

/** Scalars an index can bound on exactly (equality and, except null/boolean, ranges). */
export function isIndexableScalar(v: unknown): boolean {
  return (
    v === null ||
    typeof v === 'string' ||
    typeof v === 'boolean' ||
    (typeof v === 'number' && !Number.isNaN(v)) ||
    (v instanceof Date && !Number.isNaN(v.getTime()))
  );
}

/**
 * Whether a range bound compares with stored keys exactly as mingo compares values.
 * Not for strings holding UTF-16 code units from U+D800 up (UTF-8 byte order differs
 * from UTF-16 order there) or long enough to be truncated in keys.
 */
export function isRangeSafe(v: unknown): boolean {
  return typeof v !== 'string' || (!/[\uD800-\uFFFF]/.test(v) && Buffer.byteLength(v) <= MAX_STRING_KEY_BYTES - 4);
}

export function tagOf(v: unknown): number {
  return encodeComponent(v)[0];
}

/** A key that sorts just after every NaN of the given double-typed tag. */
export function nanComponent(tag: number): Buffer {
  return encodeDouble(tag, NaN);
}

/** Length in bytes of the index key component that starts at `offset`. */
export function componentLength(key: Buffer, offset: number): number {
  const tag = key[offset];
  if (tag === TAG.NUMBER || tag === TAG.DATE) return 9;
  if (tag === TAG.BOOL) return 2;
  if (tag !== TAG.STRING) return 1;
  let i = offset + 1;
  while (!(key[i] === 0 && key[i + 1] === 1)) i += key[i] === 0 ? 2 : 1;
  return i + 2 - offset;
}
