/**
 * When the filter fixes every field of a second index to strings, candidates from the chosen
 * index are checked against the second index's keys before their documents are read.
 */
import { find } from 'mingo';
import t from 'tap';
import type { Document, Filter, Store } from '../../src/store/types.ts';
import { openTempStore } from '../support/temp-store.ts';

interface Explained {
  queryPlanner: { winningPlan: { stage: string; indexName?: string; probedIndexes?: string[]; inputStage?: { indexName?: string; probedIndexes?: string[] } } };
  executionStats: { totalDocsExamined: number };
}

let store: Store;

// 2,000 documents: 20 patients with 100 each; ten codes, each in 200 documents
const docs: Document[] = Array.from({ length: 2000 }, (_, i) => ({
  _id: `d${String(i).padStart(4, '0')}`,
  patient: `Patient/${i % 20}`,
  idx: [{ p: 'code', c: String(Math.floor(i / 20) % 10), s: 'sys' }, { p: 'status', c: i % 7 === 0 ? 'final' : 'preliminary' }],
}));

t.before(async () => {
  store = await openTempStore(t, 'index-probes');
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

// Codes in several systems, under an index whose last field (the system) the filter leaves open
const coded: Document[] = Array.from({ length: 600 }, (_, i) => ({
  _id: `c${String(i).padStart(4, '0')}`,
  ref: [{ p: 'patient', r: `Patient/${i % 6}` }],
  idx: [{ p: 'code', c: String(i % 5), s: `sys${i % 3}` }, { p: 'wide', c: 'x', s: `s${i % 40}` }],
}));

async function runCoded(filter: Filter) {
  const cursor = store.collection('coded').find(filter, { sort: { _id: 1 }, projection: { idx: 0 } });
  const got = await cursor.toArray();
  const want = find(coded, filter, { idx: 0 }).sort({ _id: 1 }).all();
  return { got, want, explained: (await cursor.explain!()) as Explained };
}

t.test('a filter fixing all fields but the last probes with each value the last one holds', async (t) => {
  const c = store.collection('coded');
  await c.createIndex({ 'ref.p': 1, 'ref.r': 1 });
  await c.createIndex({ 'idx.p': 1, 'idx.c': 1, 'idx.s': 1 });
  await c.bulkWrite(coded.map((document) => ({ insertOne: { document: structuredClone(document) } })));
  const r = await runCoded({ $and: [{ ref: { $elemMatch: { p: 'patient', r: 'Patient/2' } } }, { idx: { $elemMatch: { p: 'code', c: '3' } } }] });
  t.same(r.got, r.want);
  t.equal(r.got.length, 20);
  const plan = r.explained.queryPlanner.winningPlan.inputStage ?? r.explained.queryPlanner.winningPlan;
  t.equal(plan.indexName, 'ref.p_1_ref.r_1');
  t.same(plan.probedIndexes, ['idx.p_1_idx.c_1_idx.s_1'], 'the code index is probed without a system');
  t.equal(r.explained.executionStats.totalDocsExamined, 20, 'only the matches are read, of the patient\'s 100');
  const wide = await runCoded({ $and: [{ ref: { $elemMatch: { p: 'patient', r: 'Patient/2' } } }, { idx: { $elemMatch: { p: 'wide', c: 'x' } } }] });
  t.same(wide.got, wide.want, 'a value held with more systems than a probe takes is found without one');
  t.equal(wide.got.length, 100);
  const widePlan = wide.explained.queryPlanner.winningPlan.inputStage ?? wide.explained.queryPlanner.winningPlan;
  t.equal(widePlan.indexName, 'ref.p_1_ref.r_1');
  t.notOk(widePlan.probedIndexes, 'no probe over 16 systems');
});

t.test('candidates the indexes prove are returned untested, and only those', async (t) => {
  const c = store.collection('coded');
  const long = 'л'.repeat(200);
  const odd: Document[] = [
    // one element as an object, not in an array: $elemMatch never matches it, though its keys look alike
    { _id: 'odd-object', ref: [{ p: 'patient', r: 'Patient/9' }], idx: { p: 'code', c: '3', s: 'sys0' } },
    // strings beyond the key length share a truncated key
    { _id: 'odd-long-a', ref: [{ p: 'patient', r: 'Patient/9' }], idx: [{ p: 'code', c: `${long}a`, s: 'sys0' }] },
    { _id: 'odd-long-b', ref: [{ p: 'patient', r: 'Patient/9' }], idx: [{ p: 'code', c: `${long}b`, s: 'sys0' }] },
    { _id: 'odd-match', ref: [{ p: 'patient', r: 'Patient/9' }], idx: [{ p: 'code', c: '3', s: 'sys0' }] },
  ];
  await c.bulkWrite(odd.map((document) => ({ insertOne: { document: structuredClone(document) } })));
  coded.push(...odd);
  for (const filter of [
    { $and: [{ ref: { $elemMatch: { p: 'patient', r: 'Patient/9' } } }, { idx: { $elemMatch: { p: 'code', c: '3' } } }] },
    { $and: [{ ref: { $elemMatch: { p: 'patient', r: 'Patient/9' } } }, { idx: { $elemMatch: { p: 'code', c: `${long}a` } } }] },
    { $and: [{ ref: { $elemMatch: { p: 'patient', r: 'Patient/9' } } }, { idx: { $elemMatch: { p: 'code', c: { $in: [`${long}b`, '3'] }, s: 'sys0' } } }] },
    { $and: [{ ref: { $elemMatch: { p: 'patient', r: 'Patient/2' } } }, { idx: { $elemMatch: { p: 'code', c: '3', s: 'sys2' } } }] },
  ] as Filter[]) {
    const r = await runCoded(filter);
    t.same(r.got.map((d) => d._id), r.want.map((d) => (d as Document)._id), JSON.stringify(filter).slice(0, 120));
  }
});

t.test('a field the projection drops but the sort reads is still read', async (t) => {
  const c = store.collection('sorted');
  await c.createIndex({ 'ref.p': 1, 'ref.r': 1 });
  await c.createIndex({ 'idx.p': 1, 'idx.c': 1, 'idx.s': 1 });
  const regular = coded.filter((d) => !String(d._id).startsWith('odd-'));
  await c.bulkWrite(regular.map((document) => ({ insertOne: { document: structuredClone(document) } })));
  const filter: Filter = { $and: [{ ref: { $elemMatch: { p: 'patient', r: { $in: ['Patient/1', 'Patient/4'] } } } }, { idx: { $elemMatch: { p: 'code', c: '3' } } }] };
  const options = { sort: { 'ref.r': -1, _id: 1 }, projection: { ref: 0 } } as const;
  const want = find(regular, filter, { ref: 0 }).sort(options.sort).all();
  t.equal(want.length, 40);
  t.same(await c.find(filter, options).toArray(), want);
});
