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

/**
 * Builds keys by appending encoded components to one growable buffer, so a key
 * made of several components costs one copy at the end instead of a buffer each.
 */
export class KeyBuilder {
  private buf = Buffer.allocUnsafe(512);
  /** Bytes written so far. */
  length = 0;

  private ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  reset(): this {
    this.length = 0;
    return this;
  }

  /** Drops bytes written after the first `length`. */
  truncate(length: number): void {
    this.length = length;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  byte(b: number): this {
    this.ensure(1);
    this.buf[this.length++] = b;
    return this;
  }

  double(tag: number, n: number): this {
    this.ensure(9);
    const out = this.buf;
    const at = this.length;
    out[at] = tag;
    if (Number.isNaN(n)) NAN_BITS.copy(out, at + 1);
    else out.writeDoubleBE(n === 0 ? 0 : n, at + 1); // -0 and 0 are equal in queries
    if (out[at + 1] & 0x80) {
      for (let i = at + 1; i < at + 9; i++) out[i] = ~out[i] & 0xff;
    } else {
      out[at + 1] |= 0x80;
    }
    this.length += 9;
    return this;
  }

  /** 0x00 is escaped as 00 FF and the string ends with 00 01, so strings stay prefix-free and ordered. */
  string(tag: number, s: string, truncate: boolean): this {
    // room for the worst case: every byte an escaped 0x00 (UTF-16 unit -> at most 3 UTF-8 bytes)
    const max = truncate ? Math.min(MAX_STRING_KEY_BYTES, s.length * 3) : s.length * 3;
    this.ensure(2 * max + 3);
    const out = this.buf;
    const start = this.length + 1;
    out[this.length] = tag;
    // Buffer#write never writes part of a character: the same cut as truncating the full encoding
    const n = max === 0 ? 0 : out.write(s, start, max, 'utf8');
    let zeros = 0;
    for (let i = start; i < start + n; i++) if (out[i] === 0) zeros++;
    if (zeros > 0) {
      // shift right from the end, doubling each 0x00 into 00 FF
      let w = start + n + zeros - 1;
      for (let r = start + n - 1; r >= start; r--) {
        if (out[r] === 0) out[w--] = 0xff;
        out[w--] = out[r];
      }
    }
    let end = start + n + zeros;
    out[end++] = 0;
    out[end++] = 1;
    this.length = end;
    return this;
  }

  /** Appends the index key encoding of one scalar (see `encodeComponent`). */
  component(v: unknown): this {
    if (v === null || v === undefined) return this.byte(TAG.NULL);
    if (typeof v === 'number') return this.double(TAG.NUMBER, v);
    if (typeof v === 'string') return this.string(TAG.STRING, v, true);
    if (typeof v === 'boolean') return this.byte(TAG.BOOL).byte(v ? 1 : 0);
    if (v instanceof Date) return this.double(TAG.DATE, v.getTime());
    if (v instanceof RegExp) return this.byte(TAG.REGEX);
    if (v instanceof Uint8Array) return this.byte(TAG.BINARY);
    if (isPlainObject(v)) return this.byte(TAG.OBJECT);
    return this.byte(TAG.OTHER);
  }

  /** Appends a primary key (see `encodePrimaryKey`). */
  primaryKey(id: unknown): this {
    if (typeof id === 'string') return this.string(TAG.STRING, id, false);
    if (typeof id === 'object' && id !== null && !(id instanceof Date)) return this.string(TAG.OBJECT, canonicalJson(id), false);
    return this.component(id);
  }

  /** A copy of the bytes written (the builder may be reused). */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.length);
    this.buf.copy(out, 0, 0, this.length);
    return out;
  }

  /** Whether the bytes written equal `b` (no view allocated). */
  equals(b: Buffer): boolean {
    return b.length === this.length && this.buf.compare(b, 0, b.length, 0, this.length) === 0;
  }

  /** The bytes written, without copying: valid until the builder is written to again. */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

const scratch = new KeyBuilder();

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Encodes one scalar for an index key. Objects collapse to their tag: the planner never bounds on them. */
export function encodeComponent(v: unknown): Buffer {
  return scratch.reset().component(v).toBuffer();
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
  return scratch.reset().primaryKey(id).toBuffer();
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
  return scratch.reset().double(tag, NaN).toBuffer();
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
