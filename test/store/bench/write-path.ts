/**
 * Write-path cost of the embedded engine, as a FHIR create uses it: documents are
 * built (search index entries extracted) before timing, then written with 64 in flight.
 * Prints, per operation: wall time, process CPU and main-thread CPU (Linux: from
 * /proc/self/task/<pid>/stat, so lmdb's commit thread is not counted), plus the
 * average index key size of the Observation collection.
 * Usage: npx tsx test/store/bench/write-path.ts [N=10000]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from 'fhir/r4.js';
import { observation } from '../../../bench/observation.ts';
import { INDEX_SPECS, extractIndexEntries, extractSortKeys } from '../../../src/search/index.ts';
import { openEmbeddedStore } from '../../../src/store/embedded/store.ts';
import type { Document, IndexSpec } from '../../../src/store/types.ts';

const N = Number(process.argv[2] ?? 10_000);
const CONCURRENCY = 64;
const HISTORY_INDEXES: IndexSpec[] = [{ type: 1, id: 1, versionId: -1 }, { lastUpdated: -1, _id: -1 }, { type: 1, lastUpdated: -1, _id: -1 }];

const dataDir = mkdtempSync(join(tmpdir(), 'write-path-bench-'));
const store = openEmbeddedStore(dataDir);

/** Time-ordered ids like src/fhir/ids.ts, so documents append to the B-trees as on the server. */
let seq = 0;
function newId(): string {
  return (Date.now() * 1000 + (seq++ % 1000)).toString(32).padStart(12, '0') + randomBytes(7).toString('hex');
}

const template = observation();
function current(): Document {
  const id = newId();
  const lastUpdated = new Date();
  const resource = { ...template, id, meta: { versionId: '1', lastUpdated: lastUpdated.toISOString() } } as Resource;
  // shaped as src/services/write-version.ts stores them
  return { _id: id, versionId: 1, lastUpdated, deleted: false, json: JSON.stringify(resource), idx: extractIndexEntries(resource), sk: extractSortKeys(resource) };
}
function history(cur: Document): Document {
  return { _id: `Observation/${cur._id}/1`, type: 'Observation', id: cur._id, versionId: 1, lastUpdated: cur.lastUpdated, deleted: false, method: 'POST', json: cur.json };
}

const TICK_US = 1e6 / 100; // USER_HZ
function mainThreadCpuUs(): number {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return NaN;
  }
}

interface Row {
  name: string;
  perSec: number;
  cpuUs: number;
  mainUs: number;
}
const rows: Row[] = [];

async function run(name: string, docs: Document[][], op: (batch: Document[]) => Promise<unknown>): Promise<Row> {
  if (global.gc) global.gc();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuUs();
  for (let i = 0; i < docs.length; i += CONCURRENCY) await Promise.all(docs.slice(i, i + CONCURRENCY).map(op));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const row = { name, perSec: (docs.length / ms) * 1000, cpuUs: (cpu.user + cpu.system) / docs.length, mainUs: (mainThreadCpuUs() - main0) / docs.length };
  rows.push(row);
  console.log(`${name.padEnd(40)} ${row.perSec.toFixed(0).padStart(6)}/s  cpu ${row.cpuUs.toFixed(0).padStart(5)} us/op  main thread ${row.mainUs.toFixed(0).padStart(5)} us/op`);
  return row;
}

function build(n: number, withHistory: boolean): Document[][] {
  return Array.from({ length: n }, () => {
    const c = current();
    return withHistory ? [c, history(c)] : [c];
  });
}

// warm up the code paths (JIT) on throwaway collections
{
  const warm = store.collection('warm');
  for (const spec of INDEX_SPECS) await warm.createIndex({ ...spec });
  await run('(warm-up)', build(2000, true), ([c, h]) => store.withTransaction(async (session) => {
    await warm.insertOne(c, { session });
    await store.collection('warm_h').insertOne(h, { session });
  }));
  rows.length = 0;
}

const plain = store.collection('plain');
const plainRow = await run('insertOne, no index', build(N, false), ([c]) => plain.insertOne(c));

const t1 = store.collection('plain_a');
const t2 = store.collection('plain_b');
await run('txn: 2 inserts, no index', build(N, true), ([c, h]) => store.withTransaction(async (session) => {
  await t1.insertOne(c, { session });
  await t2.insertOne(h, { session });
}));

const indexed = store.collection('indexed');
for (const spec of INDEX_SPECS) await indexed.createIndex({ ...spec });
const indexedRow = await run('insertOne, 9 indexes', build(N, false), ([c]) => indexed.insertOne(c));

const obs = store.collection('Observation');
for (const spec of INDEX_SPECS) await obs.createIndex({ ...spec });
const hist = store.collection('history');
for (const spec of HISTORY_INDEXES) await hist.createIndex(spec);
await run('txn: create (indexed + history)', build(N, true), ([c, h]) => store.withTransaction(async (session) => {
  await obs.insertOne(c, { session });
  await hist.insertOne(h, { session });
}));

// index key statistics of the Observation collection
const env = (store as unknown as { env: import('lmdb').RootDatabase }).env;
const entries = env.openDB({ name: 'index:Observation', keyEncoding: 'binary', encoding: 'binary' });
let keys = 0;
let keyBytes = 0;
for (const key of entries.getKeys()) {
  keys++;
  keyBytes += (key as Buffer).length;
}
const keysPerDoc = keys / N;
console.log(`index keys per Observation: ${keysPerDoc.toFixed(1)}, average key ${(keyBytes / keys).toFixed(1)} bytes`);
console.log(`main-thread cost per index key: ${((indexedRow.mainUs - plainRow.mainUs) / keysPerDoc).toFixed(1)} us (cpu ${((indexedRow.cpuUs - plainRow.cpuUs) / keysPerDoc).toFixed(1)} us)`);

await store.close();
rmSync(dataDir, { recursive: true, force: true });
