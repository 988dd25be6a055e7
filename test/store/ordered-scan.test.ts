/**
 * Sorted finds with a limit walk an index in sort order and stop early:
 * history-shaped queries over 20,000 documents examine about `limit` documents.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { find } from 'mingo';
import t from 'tap';
import { type EmbeddedStore, openEmbeddedStore } from '../../src/store/embedded/store.ts';
import type { Collection, Document, Filter, FindOptions, IndexSpec } from '../../src/store/types.ts';

const N = 20_000;
const TYPES = ['Patient', 'Observation', 'Encounter', 'Condition'];
const T0 = Date.UTC(2024, 0, 1);
const sort = { lastUpdated: -1, _id: -1 } as const;

interface Explained {
  queryPlanner: { winningPlan: { stage: string; indexName?: string; sortedByIndex?: boolean; inputStage?: { stage: string } } };
  executionStats: { totalDocsExamined: number; nReturned: number };
}

function historyDoc(i: number): Document {
  const type = TYPES[i % TYPES.length];
  // pairs of versions share a timestamp, so _id breaks the ties
  return { _id: `${type}/${i}/_history/1`, type, id: String(i), lastUpdated: new Date(T0 + Math.floor(i / 2) * 1000), deleted: i % 5 === 0 };
}

let store: EmbeddedStore;
let history: Collection;
const docs = Array.from({ length: N }, (_, i) => historyDoc(i));
const dataDir = mkdtempSync(join(tmpdir(), 'store-ordered-'));

t.before(async () => {
  store = openEmbeddedStore(dataDir);
  history = store.collection('history');
  const indexes: IndexSpec[] = [{ type: 1, id: 1 }, { lastUpdated: -1, _id: -1 }, { type: 1, lastUpdated: -1, _id: -1 }];
  for (const spec of indexes) await history.createIndex(spec);
  for (let i = 0; i < N; i += 2000) await history.bulkWrite(docs.slice(i, i + 2000).map((document) => ({ insertOne: { document: structuredClone(document) } })));
});
t.teardown(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function run(filter: Filter, options: FindOptions) {
  const cursor = history.find(filter, options);
  const got = (await cursor.toArray()).map((d) => d._id);
  const ex = (await cursor.explain!()) as Explained;
  let want = find(docs, filter).sort(options.sort as never).skip(options.skip ?? 0);
  if (options.limit) want = want.limit(options.limit);
  return { got, want: want.all().map((d) => (d as Document)._id), plan: ex.queryPlanner.winningPlan, examined: ex.executionStats.totalDocsExamined };
}

t.test('newest first over the whole collection', async (t) => {
  const r = await run({}, { sort, limit: 10 });
  t.same(r.got, r.want);
  t.match(r.plan, { stage: 'IXSCAN', indexName: 'lastUpdated_-1__id_-1', sortedByIndex: true });
  t.ok(r.examined <= 20, `examined ${r.examined} documents`);
});

t.test('history of one type: the equality prefix bounds the scan', async (t) => {
  const r = await run({ type: 'Patient' }, { sort, limit: 51 });
  t.same(r.got, r.want);
  t.match(r.plan, { indexName: 'type_1_lastUpdated_-1__id_-1', sortedByIndex: true });
  t.ok(r.examined <= 60, `examined ${r.examined} documents`);
});

t.test('keyset continuation: the $or bounds where the scan starts', async (t) => {
  const first = await run({ type: 'Patient' }, { sort, limit: 51 });
  const last = docs.find((d) => d._id === first.got[49])!;
  const filter = {
    $and: [
      { type: 'Patient' },
      { lastUpdated: { $gte: new Date(T0) } },
      { $or: [{ lastUpdated: { $lt: last.lastUpdated } }, { lastUpdated: last.lastUpdated, _id: { $lt: last._id } }] },
    ],
  };
  const r = await run(filter, { sort, limit: 51 });
  t.same(r.got, r.want);
  t.same(r.got.slice(0, 1), first.got.slice(50, 51), 'the next page starts where the first one stopped');
  t.ok(r.plan.sortedByIndex);
  t.ok(r.examined <= 60, `examined ${r.examined} documents`);

  // a page deep in the middle costs the same
  const mid = docs[N / 2];
  const deep = await run({ $and: [{ type: 'Patient' }, { $or: [{ lastUpdated: { $lt: mid.lastUpdated } }, { lastUpdated: mid.lastUpdated, _id: { $lt: mid._id } }] }] }, { sort, limit: 51 });
  t.same(deep.got, deep.want);
  t.ok(deep.examined <= 60, `deep page examined ${deep.examined} documents`);
});

t.test('sort fields the index does not serve are sorted within groups', async (t) => {
  const r = await run({ deleted: false }, { sort: { lastUpdated: -1, _id: 1 }, skip: 7, limit: 21 });
  t.same(r.got, r.want);
  t.ok(r.plan.sortedByIndex);
  t.ok(r.examined <= 60, `examined ${r.examined} documents`);
});

t.test('a selective filter index wins: in-memory sort', async (t) => {
  const r = await run({ type: 'Patient', id: { $in: ['4', '8', '12'] } }, { sort, limit: 2 });
  t.same(r.got, r.want);
  t.equal(r.plan.stage, 'SORT');
  t.equal(r.plan.inputStage?.stage, 'IXSCAN');
  t.equal(r.examined, 3);
});

t.test('an array in a sort field turns index order off for it; results stay right', async (t) => {
  const c = store.collection('multikey');
  await c.createIndex({ v: 1 });
  for (let i = 0; i < 50; i++) await c.insertOne({ _id: `m${String(i).padStart(2, '0')}`, v: 50 - i });
  const before = (await c.find({}, { sort: { v: 1, _id: 1 }, limit: 3 }).explain!()) as Explained;
  t.ok(before.queryPlanner.winningPlan.sortedByIndex);
  await c.insertOne({ _id: 'arr', v: [100, 0] });
  const cursor = c.find({}, { sort: { v: 1, _id: 1 }, limit: 3 });
  t.same((await cursor.toArray()).map((d) => d._id), ['arr', 'm49', 'm48']);
  const after = (await cursor.explain!()) as Explained;
  t.equal(after.queryPlanner.winningPlan.stage, 'SORT');
});

t.test('countDocuments is unaffected', async (t) => {
  t.equal(await history.countDocuments({ type: 'Patient' }), N / TYPES.length);
  t.equal(await history.countDocuments({}), N);
});

t.test('findOneAndUpdate with a sort takes the first document in index order', async (t) => {
  const outbox = store.collection('outbox');
  await outbox.createIndex({ status: 1, due: 1 });
  await outbox.bulkWrite(Array.from({ length: 2000 }, (_, i) => ({ insertOne: { document: { _id: `o${i}`, status: i % 2 ? 'pending' : 'done', due: new Date(T0 + ((i * 7919) % 2000) * 1000) } } })));
  const now = new Date(T0 + 1500 * 1000);
  const due = { status: 'pending', due: { $lte: now } };
  const want = find((await outbox.find({}).toArray()) as Document[], due).sort({ due: 1 }).all()[0] as Document;
  const ex0 = (await outbox.find(due, { sort: { due: 1 }, limit: 1 }).explain!()) as Explained;
  const leased = await outbox.findOneAndUpdate(due, { $set: { status: 'leased' } }, { sort: { due: 1 } });
  t.equal(leased?._id, want._id);
  t.equal(ex0.executionStats.nReturned, 1);
  const ex = (await outbox.find({ status: 'pending', due: { $lte: now } }, { sort: { due: 1 }, limit: 1 }).explain!()) as Explained;
  t.match(ex.queryPlanner.winningPlan, { indexName: 'status_1_due_1', sortedByIndex: true });
  t.ok(ex.executionStats.totalDocsExamined <= 2, `examined ${ex.executionStats.totalDocsExamined}`);
});

t.test('an ordered scan that runs past what the filter index would examine gives way to it', async (t) => {
  const c = store.collection('race');
  await c.createIndex({ k: 1 });
  await c.createIndex({ ts: 1 });
  await c.bulkWrite(Array.from({ length: 5000 }, (_, i) => ({ insertOne: { document: { _id: i, k: i, ts: i } } })));
  // the 300 matches are the oldest: walking ts from the newest would examine 4,700 documents first
  const cursor = c.find({ k: { $lt: 300 } }, { sort: { ts: -1 }, limit: 5 });
  t.same((await cursor.toArray()).map((d) => d._id), [299, 298, 297, 296, 295]);
  const ex = (await cursor.explain!()) as Explained;
  t.match(ex.queryPlanner.winningPlan, { stage: 'SORT', inputStage: { stage: 'IXSCAN' } });
  const unsorted = (await c.find({ k: { $lt: 300 } }).explain!()) as Explained;
  const bound = 2 * unsorted.executionStats.totalDocsExamined;
  t.ok(ex.executionStats.totalDocsExamined <= bound, `examined ${ex.executionStats.totalDocsExamined}, at most twice what the filter index alone examines`);
});

t.test('a sort by _id walks the primary keys and stops early, both ways', async (t) => {
  for (const dir of [1, -1] as const) {
    const r = await run({ type: { $in: ['Condition', 'Observation', 'Patient'] }, deleted: false }, { sort: { _id: dir }, limit: 20 });
    t.same(r.got, r.want, `_id ${dir}: the same page as a full sort`);
    t.match(r.plan, { indexName: '_id_', sortedByIndex: true, direction: dir === 1 ? 'forward' : 'backward' });
    t.ok(r.examined <= 40, `_id ${dir}: examined ${r.examined} documents, not the ${(N * 3) / 4} candidates`);
  }
  const selective = await run({ type: 'Observation', id: { $in: ['3', '19999', '7'] } }, { sort: { _id: 1 }, limit: 2 });
  t.same(selective.got, selective.want, 'a selective filter still finds its matches');
  t.notOk(selective.plan.sortedByIndex, 'and sorts them in memory instead of walking every key');
});

t.test('an id whose key order may differ from mingo\'s turns the _id walk off; results stay right', async (t) => {
  const odd = store.collection('odd-ids');
  const ids = ['b', '\uE000x', 'a', '\uD83D\uDE00', 'c', 7, 'd'];
  for (const _id of ids) await odd.insertOne({ _id, n: 1 });
  for (const dir of [1, -1] as const) {
    const got = (await odd.find({ n: 1 }, { sort: { _id: dir }, limit: 3 }).toArray()).map((d) => d._id);
    const want = find(ids.map((_id) => ({ _id, n: 1 })), {}).sort({ _id: dir }).limit(3).all().map((d) => (d as Document)._id);
    t.same(got, want, `_id ${dir}`);
  }
});
