/**
 * How the embedded engine encodes a document. Its scalar fields are one MessagePack map; each
 * object or array field is packed on its own after it and decoded only when first read. A read
 * by id needs a document's id, version and JSON, not its index entries: decoding those was most
 * of a read's decoding (30 µs of a 3.3 KB Observation's 40).
 *
 * Layout: 0xC1 (a byte MessagePack never uses, so documents stored before as one map still
 * decode), the head's length (u32), the head `[fields, [name, length, ...]]` (every field, the
 * deferred ones as null), then the deferred fields packed one after another.
 */
import { Packr } from 'msgpackr';
import type { Document } from '../types.ts';

const MARK = 0xc1;
/** msgpackr's default records put each document's key lists inline and build a reader per decode. */
const packr = new Packr({ useRecords: false, copyBuffers: true });

export const documentCodec = {
  encode(doc: Document): Buffer {
    const fields: Record<string, unknown> = {};
    const deferred: unknown[] = [];
    const parts: Buffer[] = [];
    for (const [name, value] of Object.entries(doc)) {
      // a deferred field holds its place (null until decoded), so a document keeps its field order
      const structure = isStructure(value);
      fields[name] = structure ? null : value;
      if (!structure) continue;
      const packed = Buffer.from(packr.pack(value));
      deferred.push(name, packed.length);
      parts.push(packed);
    }
    const head = Buffer.from(packr.pack([fields, deferred]));
    const prefix = Buffer.allocUnsafe(5);
    prefix[0] = MARK;
    prefix.writeUInt32LE(head.length, 1);
    return Buffer.concat([prefix, head, ...parts]);
  },

  /** `bytes` may be reused by the caller once this returns: deferred fields keep a copy of their parts. */
  decode(bytes: Uint8Array): Document {
    if (bytes[0] !== MARK) return packr.unpack(bytes) as Document;
    const headEnd = 5 + (bytes[1]! | (bytes[2]! << 8) | (bytes[3]! << 16)) + bytes[4]! * 0x1000000;
    const [doc, deferred] = packr.unpack(bytes.subarray(5, headEnd)) as [Document, (string | number)[]];
    if (deferred.length === 0) return doc;
    const parts = Buffer.from(bytes.subarray(headEnd));
    let start = 0;
    for (let i = 0; i < deferred.length; i += 2) {
      const end = start + (deferred[i + 1] as number);
      defineDeferred(doc, deferred[i] as string, parts.subarray(start, end));
      start = end;
    }
    return doc;
  },
};

function isStructure(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !(value instanceof Date) && !ArrayBuffer.isView(value);
}

/** The packed parts of each decoded document's deferred fields not read yet, by field name. */
const unread = new WeakMap<object, Record<string, Buffer>>();
const accessors = new Map<string, PropertyDescriptor>();

/** A field that unpacks its bytes on first read and from then on is a plain value. */
function defineDeferred(doc: Document, name: string, packed: Buffer): void {
  let parts = unread.get(doc);
  if (!parts) unread.set(doc, (parts = {}));
  parts[name] = packed;
  Object.defineProperty(doc, name, accessorOf(name));
}

/** One accessor per field name, shared by every document (`this` is the document). */
function accessorOf(name: string): PropertyDescriptor {
  let accessor = accessors.get(name);
  if (!accessor) {
    accessor = {
      enumerable: true, configurable: true,
      get(this: Document) {
        const value = packr.unpack(unread.get(this)![name]!);
        settle(this, name, value);
        return value;
      },
      set(this: Document, value: unknown) {
        settle(this, name, value);
      },
    };
    accessors.set(name, accessor);
  }
  return accessor;
}

function settle(doc: Document, name: string, value: unknown): void {
  Object.defineProperty(doc, name, { value, enumerable: true, configurable: true, writable: true });
}
