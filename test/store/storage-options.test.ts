/**
 * Storage options: the page size applies only to new environments, and documents written
 * compressed under an older (lower) compression threshold or as msgpackr records stay readable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { type RootDatabase, open } from 'lmdb';
import { Packr } from 'msgpackr';
import { encodePrimaryKey } from '../../src/store/embedded/key-codec.ts';
import { openEmbeddedStore } from '../../src/store/embedded/store.ts';

const pageSizeOf = (store: unknown) => (store as { env: { getStats(): { pageSize: number } } }).env.getStats().pageSize;

t.test('an environment written with 4 KB pages and compression from 256 bytes reopens with the defaults', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'store-options-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const big = { _id: 'big', text: 'Гемоглобин общий в крови '.repeat(200), n: 1 };
  const small = { _id: 'small', text: 'x'.repeat(300) };
  const old = openEmbeddedStore(dataDir, { pageSize: 4096, compressionThreshold: 256 });
  t.equal(pageSizeOf(old), 4096);
  await old.collection('c').createIndex({ n: 1 });
  await old.collection('c').insertOne(structuredClone(big));
  await old.collection('c').insertOne(structuredClone(small));
  await old.close();

  const store = openEmbeddedStore(dataDir);
  t.equal(pageSizeOf(store), 4096, 'an existing environment keeps its page size');
  const c = store.collection('c');
  t.same(await c.findOne({ _id: 'big' }), big);
  t.same(await c.findOne({ _id: 'small' }), small);
  await c.insertOne({ _id: 'new', text: 'y'.repeat(3000), n: 2 });
  await store.withTransaction(async (session) => {
    await c.replaceOne({ _id: 'small' }, { text: 'z'.repeat(5000), n: 3 }, { session });
  });
  t.same((await c.find({ n: { $gte: 1 } }, { sort: { n: 1 } }).toArray()).map((d) => d._id), ['big', 'new', 'small']);
  t.equal((await c.findOne({ _id: 'small' }))?.text, 'z'.repeat(5000));
  await store.close();
});

t.test('a new environment gets 16 KB pages', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'store-options-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const store = openEmbeddedStore(dataDir);
  t.equal(pageSizeOf(store), 16384);
  const c = store.collection('c');
  const doc = { _id: 'x', text: 'a'.repeat(9000), small: 'b'.repeat(2000) };
  await c.insertOne(structuredClone(doc));
  t.same(await c.findOne({ _id: 'x' }), doc);
  await store.close();
});

t.test('documents are stored in the deferred-field layout (document-codec.ts), and documents written as msgpackr records or plain maps stay readable', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'store-options-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const doc = { _id: 'r', versionId: 2, idx: { token: [{ p: 'code', c: '1000' }, { p: 'status', c: 'final' }] }, json: '{"a":"ё"}' };
  const legacy = open({ path: dataDir, noSubdir: false, maxDbs: 10, pageSize: 16384 });
  const recordDocs = legacy.openDB({ name: 'docs:c', keyEncoding: 'binary' });
  await recordDocs.put(encodePrimaryKey('r'), structuredClone(doc));
  t.equal(recordDocs.getBinary(encodePrimaryKey('r'))![0], 0xd4, 'the legacy write starts with a record definition');
  await legacy.close();

  const store = openEmbeddedStore(dataDir);
  const c = store.collection('c');
  t.same(await c.findOne({ _id: 'r' }), doc);
  await c.insertOne({ _id: 'm', n: 1 });
  const raw = (store as unknown as { env: RootDatabase }).env.openDB({ name: 'docs:c', keyEncoding: 'binary', encoding: 'binary' });
  t.equal(raw.getBinary(encodePrimaryKey('m'))![0], 0xc1, 'a new document starts with the layout\'s mark');
  await raw.put(encodePrimaryKey('p'), new Packr({ useRecords: false }).pack({ ...doc, _id: 'p' }));
  t.same(await c.findOne({ _id: 'p' }), { ...doc, _id: 'p' }, 'a plain map written before');
  await store.close();
});
