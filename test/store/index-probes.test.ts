/**
 * When the filter fixes every field of a second index to strings, candidates from the chosen
 * index are checked against the second index's keys before their documents are read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { find } from 'mingo';
import t from 'tap';
import { type EmbeddedStore, openEmbeddedStore } from '../../src/store/embedded/store.ts';
import type { Document, Filter } from '../../src/store/types.ts';

interface Explained {
  queryPlanner: { winningPlan: { stage: string; indexName?: string; probedIndexes?: string[]; inputStage?: { probedIndexes?: string[] } } };
  executionStats: { totalDocsExamined: number };
}

const dataDir = mkdtempSync(join(tmpdir(), 'index-probes-'));
let store: EmbeddedStore;
t.teardown(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// 2,000 documents: 20 patients with 100 each; ten codes, each in 200 documents
const docs: Document[] = Array.from({ length: 2000 }, (_, i) => ({
  _id: `d${String(i).padStart(4, '0')}`,
  patient: `Patient/${i % 20}`,
  idx: [{ p: 'code', c: String(Math.floor(i / 20) % 10), s: 'sys' }, { p: 'status', c: i % 7 === 0 ? 'final' : 'preliminary' }],
}));

t.before(async () => {
  store = openEmbeddedStore(dataDir);
  const c = store.collection('obs');
  await c.createIndex({ patient: 1 });
  await c.createIndex({ 'idx.p': 1, 'idx.c': 1 });
  await c.bulkWrite(docs.map((document) => ({ insertOne: { document: structuredClone(document) } })));
});

async function run(filter: Filter) {
  const cursor = store.collection('obs').find(filter, { sort: { _id: 1 } });
  const got = (await cursor.toArray()).map((d) => d._id);
  const want = find(docs, filter).sort({ _id: 1 }).all().map((d) => (d as Document)._id);
  return { got, want, explained: (await cursor.explain!()) as Explained };
}

t.test('a patient\'s documents of one code: only the matches are read', async (t) => {
  const r = await run({ $and: [{ patient: 'Patient/3' }, { idx: { $elemMatch: { p: 'code', c: '4' } } }] });
  t.same(r.got, r.want);
  t.equal(r.got.length, 10);
  const plan = r.explained.queryPlanner.winningPlan.inputStage ?? r.explained.queryPlanner.winningPlan;
  t.same(plan.probedIndexes, ['idx.p_1_idx.c_1'], 'the code index is probed');
  t.equal(r.explained.executionStats.totalDocsExamined, 10, 'ten documents read, not the patient\'s hundred');
});

t.test('probes never drop a match: $in values, two probes, and a condition the probe index cannot decide', async (t) => {
  for (const filter of [
    { $and: [{ patient: 'Patient/3' }, { idx: { $elemMatch: { p: 'code', c: { $in: ['4', '5', '9'] } } } }] },
    { $and: [{ patient: 'Patient/7' }, { idx: { $elemMatch: { p: 'code', c: '2' } } }, { idx: { $elemMatch: { p: 'status', c: 'final' } } }] },
    { $and: [{ patient: 'Patient/7' }, { idx: { $elemMatch: { p: 'code', c: { $gte: '3' } } } }] },
    { $and: [{ patient: 'Patient/7' }, { idx: { $elemMatch: { p: 'code', c: 'nope' } } }] },
  ] as Filter[]) {
    const r = await run(filter);
    t.same(r.got, r.want, JSON.stringify(filter));
  }
});
