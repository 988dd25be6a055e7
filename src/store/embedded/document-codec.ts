/**
 * How the embedded engine encodes a document: its scalar fields in one MessagePack map, then
 * each object or array field packed on its own, so a read that leaves some of them out (a read
 * by id needs a document's id, version and JSON, not its index entries) does not unpack them.
 * Unpacking a 3.3 KB Observation's index entries was most of the 21% of a read's main-thread
 * CPU that went into decoding.
 *
 * Layout: 0xC1 (a byte MessagePack never uses, so documents stored before as one map still
 * decode), the head's length (u32), the head `[fields, [name, length, ...]]` (every field, the
 * packed-apart ones as null, so a document keeps its field order), then those fields packed one
 * after another.
 */
import { Packr } from 'msgpackr';
import type { Document } from '../types.ts';

const MARK = 0xc1;
/** msgpackr's default records put each document's key lists inline and build a reader per decode. */
const packr = new Packr({ useRecords: false, copyBuffers: true });

export const documentCodec = {
  encode(doc: Document): Buffer {
    const fields: Record<string, unknown> = {};
    const apart: unknown[] = [];
    const parts: Buffer[] = [];
    for (const [name, value] of Object.entries(doc)) {
      const structure = isStructure(value);
      fields[name] = structure ? null : value;
      if (!structure) continue;
      const packed = Buffer.from(packr.pack(value));
      apart.push(name, packed.length);
      parts.push(packed);
    }
    const head = Buffer.from(packr.pack([fields, apart]));
    const prefix = Buffer.allocUnsafe(5);
    prefix[0] = MARK;
    prefix.writeUInt32LE(head.length, 1);
    return Buffer.concat([prefix, head, ...parts]);
  },

  /** The document (lmdb passes its read options second: they are not ours). Nothing refers to `bytes` afterwards. */
  decode(bytes: Uint8Array): Document {
    if (bytes[0] !== MARK) return packr.unpack(bytes) as Document;
    // the head and the parts are MessagePack values end to end: one call unpacks them all
    const [[doc, apart], ...parts] = packr.unpackMultiple(bytes.subarray(5)) as [[Document, (string | number)[]], ...unknown[]];
    for (let i = 0; i < parts.length; i++) doc[apart[2 * i] as string] = parts[i];
    return doc;
  },

  /** The document; the fields in `leftOut` that were packed apart stay null (the caller drops them: its projection excludes them). */
  decodeWithout(bytes: Uint8Array, leftOut: ReadonlySet<string>): Document {
    if (bytes[0] !== MARK) return packr.unpack(bytes) as Document;
    let start = 5 + (bytes[1]! | (bytes[2]! << 8) | (bytes[3]! << 16)) + bytes[4]! * 0x1000000;
    const [doc, apart] = packr.unpack(bytes.subarray(5, start)) as [Document, (string | number)[]];
    for (let i = 0; i < apart.length; i += 2) {
      const name = apart[i] as string;
      const end = start + (apart[i + 1] as number);
      if (!leftOut.has(name)) doc[name] = packr.unpack(bytes.subarray(start, end));
      start = end;
    }
    return doc;
  },
};

function isStructure(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !(value instanceof Date) && !ArrayBuffer.isView(value);
}
