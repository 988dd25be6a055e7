/**
 * The embedded engine's document encoding: every document decodes to what was encoded, with
 * nothing still pointing into the bytes (lmdb reuses the buffer a document is read from); the
 * object and array fields a read leaves out are not unpacked; documents stored before as one
 * MessagePack map still decode.
 */
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { Query } from 'mingo';
import t from 'tap';
import { documentCodec } from '../../src/store/embedded/document-codec.ts';
import type { Document } from '../../src/store/types.ts';

const leaf = fc.oneof(
  fc.integer(), fc.double({ noNaN: true }), fc.string(), fc.constant(null), fc.boolean(),
  fc.date({ min: new Date(0), max: new Date(Date.UTC(2100, 0, 1)), noInvalidDate: true }),
);
const value = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 3 }), tie('value'), { maxKeys: 3, noNullPrototype: true })),
})).value;
const documents = fc.dictionary(fc.constantFrom('a', 'b', 'idx', 'sk', 'json'), value, { maxKeys: 5, noNullPrototype: true })
  .map((fields): Document => ({ _id: 'doc', ...fields }));

/** Decodes from a buffer that is overwritten right after, as lmdb's reused read buffer is. */
function decodeFromReusedBuffer(bytes: Buffer): Document {
  const reused = Buffer.from(bytes);
  const doc = documentCodec.decode(reused);
  reused.fill(0xff);
  return doc;
}

t.test('every document decodes to what was encoded, with its fields in order', async (t) => {
  fc.assert(fc.property(documents, (doc) => {
    const decoded = decodeFromReusedBuffer(documentCodec.encode(doc));
    return JSON.stringify(Object.keys(decoded)) === JSON.stringify(Object.keys(doc)) && JSON.stringify(decoded) === JSON.stringify(doc)
      || (t.same(decoded, doc), false);
  }), { numRuns: 2000 });
  t.pass('2000 documents');
});

t.test('fields left out are not unpacked; the others decode as they were', async (t) => {
  const doc = { _id: 'a', versionId: 2, json: '{"resourceType":"Observation"}', idx: { token: [{ p: 'code', c: '1' }] }, sk: ['x'], meta: { n: 1 } };
  const bytes = Buffer.from(documentCodec.encode(doc));
  t.same(documentCodec.decodeWithout(bytes, new Set(['idx', 'sk', 'json'])), { ...doc, idx: null, sk: null }, 'scalars are never left out');
  t.same(documentCodec.decode(bytes), doc);
});

t.test('mingo queries and sorts decoded documents', async (t) => {
  const docs = [3, 1, 2].map((n) => decodeFromReusedBuffer(documentCodec.encode({ _id: `d${n}`, idx: { token: [{ p: 'code', c: String(n) }] }, sk: { date: n } })));
  const found = new Query({ 'idx.token': { $elemMatch: { p: 'code', c: { $in: ['1', '3'] } } } }).find<Document>(docs).sort({ 'sk.date': -1 }).all();
  t.same(found.map((doc) => doc._id), ['d3', 'd1']);
});

t.test('documents stored as one MessagePack map decode as before', async (t) => {
  const doc = { _id: 'old', versionId: 1, lastUpdated: new Date(Date.UTC(2025, 4, 1)), idx: { token: [{ p: 'status', c: 'final' }] } };
  t.same(documentCodec.decode(new Packr({ useRecords: false }).pack(doc)), doc);
  t.same(documentCodec.decode(new Packr().pack(doc)), doc, 'written as records');
});
