/**
 * countDocuments answered from index entries alone (one $elemMatch of string equalities on an
 * index's leading fields) counts exactly what mingo counts, and stops doing so once a document
 * holds something other than an array of entries there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { find } from 'mingo';
import t, { type Test } from 'tap';
import { type EmbeddedStore, openEmbeddedStore } from '../../src/store/embedded/store.ts';
import { isCoveredCount, planQuery } from '../../src/store/embedded/planner.ts';
import type { Document, Filter } from '../../src/store/types.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'covered-count-'));
let store: EmbeddedStore;
t.before(() => { store = openEmbeddedStore(dataDir); });
t.teardown(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const entry = (p: string, c: string, s = 'sys') => ({ p, c, s });
const docs: Document[] = [
  { _id: 'a', idx: [entry('code', '1'), entry('code', '1', 'other')] }, // two matching entries: one document
  { _id: 'b', idx: [entry('code', '2'), entry('status', '1')] }, // c=1 in another entry's p: no match for {p: code, c: 1}
  { _id: 'c', idx: [entry('code', '1')] },
  { _id: 'd', idx: [] },
  { _id: 'e' }, // a tombstone: no entries
  { _id: 'f', idx: [entry('code', 'x'.repeat(300))] }, // truncated in keys
  { _id: 'g', idx: [entry('code', `${'x'.repeat(300)}y`)] },
  { _id: 'i', idx: [entry('code', '2'), entry('code', '2')] }, // the same entry twice: one document
];
const filters: Filter[] = [
  { idx: { $elemMatch: { p: 'code', c: '1' } } },
  { idx: { $elemMatch: { p: 'code' } } },
  { idx: { $elemMatch: { p: 'code', c: { $in: ['1', '2'] } } } },
  { idx: { $elemMatch: { p: 'status', c: '1' } } },
  { idx: { $elemMatch: { p: 'code', c: 'x'.repeat(300) } } },
  // a single interval with one system (or the system fixed): lmdb counts the keys
  { idx: { $elemMatch: { p: 'code', c: '2' } } },
  { idx: { $elemMatch: { p: 'code', c: '1', s: 'sys' } } },
];

async function check(t: Test, name: string, model: Document[]): Promise<boolean[]> {
  const c = store.collection(name);
  const covered: boolean[] = [];
  for (const filter of filters) {
    t.equal(await c.countDocuments(filter), find(model, filter).all().length, `${name}: count of ${JSON.stringify(filter).slice(0, 60)}`);
    const storage = (c as unknown as { storage: { indexes(): never[] } }).storage;
    covered.push(isCoveredCount(filter, planQuery(filter, storage.indexes())));
  }
  return covered;
}

t.test('counts from index entries equal mingo counts; the irregular shapes turn it off', async (t) => {
  const c = store.collection('coll');
  await c.createIndex({ 'idx.p': 1, 'idx.c': 1, 'idx.s': 1 });
  for (const doc of docs) await c.insertOne(structuredClone(doc));
  const covered = await check(t, 'coll', docs);
  t.same(covered, [true, true, true, true, false, true, true], 'short string equalities are counted from the index; a truncated one is not');

  const single = { _id: 'h', idx: entry('code', '1') }; // one entry, not an array: keys exist, $elemMatch does not match
  await c.insertOne(structuredClone(single));
  t.same(await check(t, 'coll', [...docs, single]), Array(filters.length).fill(false), 'after an irregular document, counting reads documents');
});

t.test('an index built over existing documents learns their shapes too', async (t) => {
  const c = store.collection('built');
  const nested = { _id: 'n', idx: [[entry('code', '1')]] };
  for (const doc of [...docs, nested]) await c.insertOne(structuredClone(doc));
  await c.createIndex({ 'idx.p': 1, 'idx.c': 1, 'idx.s': 1 });
  t.same(await check(t, 'built', [...docs, nested]), Array(filters.length).fill(false));
});
