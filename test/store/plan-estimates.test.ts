/**
 * The planner counts each candidate index's keys to choose the smallest, in rounds of growing
 * caps: a large interval is walked no further than the round in which a small one was counted.
 */
import t from 'tap';
import type { CollectionStorage } from '../../src/store/embedded/collection-storage.ts';
import { type IndexStats, type Interval, planQuery } from '../../src/store/embedded/planner.ts';
import type { Document } from '../../src/store/types.ts';
import { openTempStore } from '../support/temp-store.ts';

let storage: CollectionStorage;

// 3,000 documents: code '1' in 2,000 of them, each patient in 10, 'rare' in 40, 'common' and 'other' in 1,480 each
const docs: Document[] = Array.from({ length: 3000 }, (_, i) => ({
  _id: `d${String(i).padStart(4, '0')}`,
  patient: `Patient/${i % 300}`,
  tag: i % 75 === 0 ? 'rare' : i % 2 === 0 ? 'common' : 'other',
  idx: [{ p: 'code', c: i % 3 === 0 ? '2' : '1' }],
}));

t.before(async () => {
  const c = (await openTempStore(t, 'plan-estimates')).collection('obs');
  await c.createIndex({ 'idx.p': 1, 'idx.c': 1 });
  await c.createIndex({ patient: 1 });
  await c.createIndex({ tag: 1 });
  await c.bulkWrite(docs.map((document) => ({ insertOne: { document: structuredClone(document) } })));
  storage = (c as unknown as { storage: CollectionStorage }).storage;
});

/** The real storage's counts, with the cap of each count asked for recorded. */
function recordingStats(caps: number[]): IndexStats {
  return {
    countKeys: (intervals: Interval[], cap: number) => {
      caps.push(cap);
      return storage.countKeys(intervals, cap);
    },
    nextComponents: (prefix, cap) => storage.nextComponents(prefix, cap),
  };
}

function indexName(plan: ReturnType<typeof planQuery>): string | undefined {
  return plan.stage === 'IXSCAN' ? plan.index.name : undefined;
}

t.test('a patient (10 keys) beside a code (2,000 keys): counted in the first round only', async (t) => {
  const caps: number[] = [];
  const plan = planQuery({ patient: 'Patient/7', idx: { $elemMatch: { p: 'code', c: '1' } } }, storage.indexes(), recordingStats(caps));
  t.equal(indexName(plan), 'patient_1');
  t.ok(caps.length > 0 && Math.max(...caps) <= 17, `no count past 17 keys (caps asked: ${caps.join(', ')})`);
});

t.test('40 keys beside 1,500: the second round decides, the large one counted no further', async (t) => {
  const caps: number[] = [];
  const plan = planQuery({ tag: 'rare', idx: { $elemMatch: { p: 'code', c: '1' } } }, storage.indexes(), recordingStats(caps));
  t.equal(indexName(plan), 'tag_1');
  t.ok(Math.max(...caps) <= 129, `no count past 129 keys (caps asked: ${caps.join(', ')})`);
});

t.test('both past the last cap: they cost the same, and the index fixing more fields wins', async (t) => {
  const plan = planQuery({ tag: 'common', idx: { $elemMatch: { p: 'code', c: '1' } } }, storage.indexes(), recordingStats([]));
  t.equal(indexName(plan), 'idx.p_1_idx.c_1');
});

t.test('the smaller of two large intervals wins when one is within the last cap', async (t) => {
  const plan = planQuery({ tag: 'other', idx: { $elemMatch: { p: 'code', c: '2' } } }, storage.indexes(), recordingStats([]));
  t.equal(indexName(plan), 'idx.p_1_idx.c_1', 'code 2: 1,000 keys; other: 1,480');
});
