/**
 * Storage options compared on FHIR creates: for each (LZ4 compression threshold, lmdb page size)
 * a fresh environment takes N create transactions (Observation with 9 indexes + history entry,
 * 64 in flight), then N findOne({ _id }) reads. Prints per configuration: main-thread CPU per
 * create (Linux: /proc/self/task/<pid>/stat, so lmdb's commit thread is not counted), process CPU,
 * creates/s, findOne µs, data.mdb bytes per stored Observation (documents, history and index
 * entries of both) and peak RSS. Each configuration runs in its own process.
 * Usage: npx tsx test/store/bench/storage-options.ts [N=5000] [threshold:pageSize ...]
 *   threshold "off" = never compress (the docs databases keep the compression flag, so
 *   documents compressed earlier stay readable); pageSize "-" = the OS default.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Resource } from 'fhir/r4.js';
import { observation } from '../../../bench/observation.ts';
import { INDEX_SPECS, extractIndexEntries, extractSortKeys } from '../../../src/search/index.ts';
import { openEmbeddedStore } from '../../../src/store/embedded/store.ts';
import type { Document, IndexSpec } from '../../../src/store/types.ts';

const HISTORY_INDEXES: IndexSpec[] = [{ type: 1, id: 1, versionId: -1 }, { lastUpdated: -1, _id: -1 }, { type: 1, lastUpdated: -1, _id: -1 }];
const CONCURRENCY = 64;
const WARM_UP = 1000;
const NEVER = 0xffffffff;

const TICK_US = 1e6 / 100; // USER_HZ
function mainThreadCpuUs(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

let seq = 0;
function newId(): string {
  return (Date.now() * 1000 + (seq++ % 1000)).toString(32).padStart(12, '0') + randomBytes(7).toString('hex');
}

const template = observation();
function versions(): [Document, Document] {
  const id = newId();
  const lastUpdated = new Date();
  const resource = { ...template, identifier: [{ system: 'urn:x', value: randomBytes(6).toString('hex') }], id, meta: { versionId: '1', lastUpdated: lastUpdated.toISOString() } } as Resource;
  const json = JSON.stringify(resource);
  // shaped as src/services/write-version.ts stores them
  const current = { _id: id, versionId: 1, lastUpdated, deleted: false, json, idx: extractIndexEntries(resource), sk: extractSortKeys(resource) };
  const history = { _id: `Observation/${id}/1`, type: 'Observation', id, versionId: 1, lastUpdated, deleted: false, method: 'POST', json };
  return [current, history];
}

async function child(n: number, threshold: number, pageSize: number | undefined): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'storage-options-bench-'));
  const store = openEmbeddedStore(dataDir, { compressionThreshold: threshold, pageSize });
  const obs = store.collection('Observation');
  for (const spec of INDEX_SPECS) await obs.createIndex({ ...spec });
  const hist = store.collection('history');
  for (const spec of HISTORY_INDEXES) await hist.createIndex(spec);
  const create = ([c, h]: Document[]) =>
    store.withTransaction(async (session) => {
      await obs.insertOne(c, { session });
      await hist.insertOne(h, { session });
    });
  const run = async (docs: Document[][]) => {
    for (let i = 0; i < docs.length; i += CONCURRENCY) await Promise.all(docs.slice(i, i + CONCURRENCY).map(create));
  };
  await run(Array.from({ length: WARM_UP }, versions));
  const docs = Array.from({ length: n }, versions);
  global.gc?.();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuUs();
  await run(docs);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const mainUs = (mainThreadCpuUs() - main0) / n;
  const ids = docs.map(([c]) => c._id);
  for (let i = 0; i < 2000; i++) await obs.findOne({ _id: ids[i % ids.length] });
  const r0 = performance.now();
  for (let i = 0; i < n; i++) await obs.findOne({ _id: ids[i % ids.length] });
  const readUs = ((performance.now() - r0) / n) * 1000;
  await store.close();
  const bytes = statSync(join(dataDir, 'data.mdb')).size / (n + WARM_UP);
  rmSync(dataDir, { recursive: true, force: true });
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ mainUs, cpuUs: (cpu.user + cpu.system) / n, perSec: (n / ms) * 1000, readUs, bytes, rss }));
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  await child(Number(args[1]), Number(args[2]), args[3] === '-' ? undefined : Number(args[3]));
} else {
  const n = Number(args[0] ?? 5000);
  const configs = args.length > 1 ? args.slice(1) : ['256:-', 'off:-', 'off:8192', 'off:16384', '4000:-', '1024:-'];
  const self = fileURLToPath(import.meta.url);
  console.log('threshold pageSize | create main-thread us | process cpu us | creates/s | findOne us | bytes/Observation | peak RSS MB');
  for (const config of configs) {
    const [t, p] = config.split(':');
    const threshold = t === 'off' ? NEVER : Number(t);
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--expose-gc', self, '--child', String(n), String(threshold), p ?? '-'], { encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    console.log(`${t.padStart(9)} ${(p ?? '-').padStart(8)} | ${r.mainUs.toFixed(0).padStart(21)} | ${r.cpuUs.toFixed(0).padStart(14)} | ${r.perSec.toFixed(0).padStart(9)} | ${r.readUs.toFixed(1).padStart(10)} | ${r.bytes.toFixed(0).padStart(17)} | ${r.rss.toFixed(0).padStart(11)}`);
  }
}
