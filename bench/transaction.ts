/**
 * Transaction benchmark (npm run bench:transaction), embedded store, the server as its own process,
 * with base R4 validation on (PROFILES=none: Synthea data is not EGISZ-shaped):
 * - ingest of Synthea patient transaction bundles (../shared/data/synthea) by 4 concurrent clients, in resources/s;
 * - a small transaction (1 Patient + 1 Observation) at 32 connections, in transactions/s;
 * - one 10,000-entry transaction: its time and how far the server's peak RSS rose above its RSS before.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { observation } from './observation.js';
import { type Child, startChild } from './processes.js';
import { recordLoad, recordResult } from './results-file.js';

const SYNTHEA_DIR = new URL('../../shared/data/synthea/', import.meta.url).pathname;
const INGEST_SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CLIENTS = 4;
const SMALL_CONNECTIONS = 32;
const LARGE_ENTRIES = 10_000;
const HEADERS = { 'content-type': 'application/fhir+json', prefer: 'return=minimal' };

interface Row { scenario: string; target: string; result: string; detail: string }

async function postBundle(base: string, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(base, { method: 'POST', headers: HEADERS, body });
  return { status: response.status, text: await response.text() };
}

/** Each client posts the bundles one after another, starting at its own offset, until time is up. */
async function ingest(base: string, bundles: { body: string; entries: number }[]): Promise<Row> {
  const deadline = Date.now() + INGEST_SECONDS * 1000;
  let resources = 0;
  let failed = 0;
  const started = Date.now();
  await Promise.all(Array.from({ length: CLIENTS }, async (_, client) => {
    for (let i = client; Date.now() < deadline; i++) {
      const bundle = bundles[i % bundles.length]!;
      const { status } = await postBundle(base, bundle.body);
      if (status === 200) resources += bundle.entries;
      else failed++;
    }
  }));
  const seconds = (Date.now() - started) / 1000;
  recordResult({ bench: 'transaction', scenario: `Synthea bundles, ${CLIENTS} clients`, metric: 'throughput', value: resources / seconds, unit: 'resources/s', target: 3000 });
  return {
    scenario: `Synthea transaction bundles, ${CLIENTS} clients`, target: '≥ 3000 resources/s',
    result: `${Math.round(resources / seconds)} resources/s`, detail: `${resources} resources in ${seconds.toFixed(1)} s, ${failed} failed bundles`,
  };
}

function smallTransaction(): string {
  return JSON.stringify({
    resourceType: 'Bundle', type: 'transaction',
    entry: [
      { fullUrl: 'urn:uuid:00000000-0000-4000-8000-000000000001', resource: { resourceType: 'Patient', name: [{ family: 'Иванов' }] }, request: { method: 'POST', url: 'Patient' } },
      { resource: { ...observation(), subject: { reference: 'urn:uuid:00000000-0000-4000-8000-000000000001' } }, request: { method: 'POST', url: 'Observation' } },
    ],
  });
}

async function small(base: string): Promise<Row> {
  const options = { url: base, method: 'POST' as const, headers: HEADERS, body: smallTransaction(), connections: SMALL_CONNECTIONS };
  await autocannon({ ...options, duration: 3 });
  const result = await autocannon({ ...options, duration: 10 });
  recordLoad('transaction', `small transaction, ${SMALL_CONNECTIONS} connections`, { perSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 }, 'transactions/s', { perSecond: 1000 });
  return {
    scenario: `small transaction (Patient + Observation), ${SMALL_CONNECTIONS} connections`, target: '≥ 1000 /s',
    result: `${Math.round(result.requests.average)} /s`,
    detail: `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${result.errors + result.timeouts + result.non2xx} errors`,
  };
}

async function large(base: string, server: Child): Promise<Row> {
  const entry: unknown[] = Array.from({ length: LARGE_ENTRIES }, () => ({
    resource: { ...observation(), subject: { reference: 'urn:uuid:00000000-0000-4000-8000-000000000001' } }, request: { method: 'POST', url: 'Observation' },
  }));
  entry[0] = { fullUrl: 'urn:uuid:00000000-0000-4000-8000-000000000001', resource: { resourceType: 'Patient', name: [{ family: 'Большой' }] }, request: { method: 'POST', url: 'Patient' } };
  const body = JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry });
  const before = server.memory();
  const started = Date.now();
  const { status } = await postBundle(base, body);
  const seconds = (Date.now() - started) / 1000;
  const after = server.memory();
  recordResult({ bench: 'transaction', scenario: `one ${LARGE_ENTRIES}-entry transaction`, metric: 'memory-growth', value: after.peakRssMb - before.rssMb, unit: 'MB', target: 200 });
  return {
    scenario: `one ${LARGE_ENTRIES}-entry transaction (${(body.length / 1048576).toFixed(1)} MB)`, target: 'RSS growth < 200 MB',
    result: `${Math.round(after.peakRssMb - before.rssMb)} MB growth`,
    detail: `status ${status}, ${seconds.toFixed(1)} s; RSS before ${Math.round(before.rssMb)} MB, peak ${Math.round(after.peakRssMb)} MB (private now ${Math.round(after.anonMb)} MB)`,
  };
}

function syntheaBundles(): { body: string; entries: number }[] {
  if (!existsSync(SYNTHEA_DIR)) throw new Error(`Synthea bundles not found in ${SYNTHEA_DIR}`);
  return readdirSync(SYNTHEA_DIR).filter((f) => f.endsWith('.json')).sort().map((file) => {
    const body = readFileSync(join(SYNTHEA_DIR, file), 'utf8');
    return { body, entries: (JSON.parse(body) as { entry: unknown[] }).entry.length };
  });
}

async function main(): Promise<void> {
  const bundles = syntheaBundles();
  const rows: Row[] = [];
  for (const scenario of ['ingest', 'small', 'large'] as const) {
    // each scenario on a fresh store and server, so one's data and heap do not weigh on the next
    const dataDir = mkdtempSync(join(tmpdir(), 'fhir-bench-tx-'));
    const server = await startChild('src/main.ts', { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', BODY_LIMIT: String(64 * 1024 * 1024), PROFILES: 'none' }, /listening at http:\/\/127\.0\.0\.1:(\d+)/);
    server.process.stdout!.resume();
    const base = `${server.url}/fhir`;
    try {
      if (scenario === 'ingest') rows.push(await ingest(base, bundles));
      if (scenario === 'small') rows.push(await small(base));
      if (scenario === 'large') {
        await postBundle(base, smallTransaction()); // start-up allocations before the baseline
        rows.push(await large(base, server));
      }
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  console.log(`\nTransactions, embedded store, ${bundles.length} Synthea bundles (${bundles.reduce((n, b) => n + b.entries, 0)} resources)\n`);
  console.log('| scenario | target | result | detail |\n|---|---|---:|---|');
  for (const row of rows) console.log(`| ${row.scenario} | ${row.target} | ${row.result} | ${row.detail} |`);
}

await main();
