/**
 * Times history-style sorted queries on the embedded engine:
 * `find({ type }, { sort: { lastUpdated: -1, _id: -1 }, limit: 51 })` and friends over N documents.
 * Usage: npx tsx test/store/bench/sorted-find.ts [N=200000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStore } from '../../../src/store/embedded/store.ts';
import type { Filter, FindOptions, IndexSpec } from '../../../src/store/types.ts';

const N = Number(process.argv[2] ?? 200_000);
const TYPES = ['Patient', 'Observation', 'Encounter', 'Condition', 'Procedure', 'MedicationRequest', 'DiagnosticReport', 'Immunization', 'AllergyIntolerance', 'X'];
const dataDir = mkdtempSync(join(tmpdir(), 'sorted-find-bench-'));
const store = openEmbeddedStore(dataDir);
const c = store.collection('history');
const HISTORY_INDEXES: IndexSpec[] = [{ type: 1, id: 1, versionId: -1 }, { lastUpdated: -1, _id: -1 }, { type: 1, lastUpdated: -1, _id: -1 }];
for (const spec of HISTORY_INDEXES) await c.createIndex(spec);
const t0 = Date.UTC(2024, 0, 1);
const load = performance.now();
for (let i = 0; i < N; i += 2000) {
  const ops = [];
  for (let j = i; j < Math.min(N, i + 2000); j++) {
    const type = TYPES[j % TYPES.length];
    ops.push({ insertOne: { document: { _id: `${type}/${j}/_history/1`, type, id: String(j), versionId: 1, lastUpdated: new Date(t0 + j * 1000), resource: { resourceType: type, id: String(j), text: 'x'.repeat(100) } } } });
  }
  await c.bulkWrite(ops);
}
console.log(`loaded ${N} docs in ${Math.round(performance.now() - load)} ms`);

async function time(label: string, filter: Filter, options: FindOptions): Promise<void> {
  const runs: number[] = [];
  let n = 0;
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    n = (await c.find(filter, options).toArray()).length;
    runs.push(performance.now() - start);
  }
  runs.sort((a, b) => a - b);
  const ex = (await c.find(filter, options).explain!()) as { queryPlanner: { winningPlan: unknown }; executionStats: { totalDocsExamined: number } };
  console.log(`${label}: median ${runs[3].toFixed(1)} ms (min ${runs[0].toFixed(1)}), ${n} returned, ${ex.executionStats.totalDocsExamined} docs examined, plan ${JSON.stringify(ex.queryPlanner.winningPlan)}`);
}

const sort = { lastUpdated: -1, _id: -1 } as const;
const mid = new Date(t0 + (N / 2) * 1000);
await time("find({type:'X'}) sort lastUpdated,_id desc limit 51", { type: 'X' }, { sort, limit: 51 });
await time('find({}) sort lastUpdated,_id desc limit 51', {}, { sort, limit: 51 });
await time(
  'keyset continuation in the middle (type X, $or)',
  { $and: [{ type: 'X' }, { lastUpdated: { $gte: new Date(t0) } }, { $or: [{ lastUpdated: { $lt: mid } }, { lastUpdated: mid, _id: { $lt: 'X/zzz' } }] }] },
  { sort, limit: 51 },
);
await time("find({type:'X'}) unsorted, no limit", { type: 'X' }, {});
await store.close();
rmSync(dataDir, { recursive: true, force: true });
