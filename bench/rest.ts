/**
 * REST benchmark (npm run bench): the FHIR server on the embedded store against a bare Fastify
 * route answering a body of the same size, in the same run, on this machine. Prints req/s,
 * p50 and p99 latency and the ratio to the bare route for read by id, create and update,
 * then the server's peak RSS with the store holding STORED resources. Writes are validated against
 * base R4 (PROFILES=none: the benchmark Observation is not an EGISZ lab result). The audit is off,
 * like authentication and rate limits (processes.ts): bench/auth-audit.ts measures what they add.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { observation } from './observation.js';
import { type Memory, startChild } from './processes.js';
import { recordLoad, recordResult } from './results-file.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
/** Each scenario first runs this long unmeasured, so both servers are measured with their code optimised. */
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONNECTIONS = 64;
const STORED = Number(process.env.BENCH_STORED ?? 100_000);
const JSON_HEADERS = { 'content-type': 'application/fhir+json' };

interface Row { scenario: string; target: string; rps: number; p50: number; p99: number; errors: number }

async function load(url: string, options: Partial<autocannon.Options>): Promise<autocannon.Result> {
  if (WARMUP > 0) await autocannon({ url, connections: CONNECTIONS, duration: WARMUP, ...options });
  return autocannon({ url, connections: CONNECTIONS, duration: DURATION, ...options });
}

function row(scenario: string, target: string, result: autocannon.Result): Row {
  return {
    scenario, target, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

function randomOf(ids: string[]): string {
  return ids[Math.floor(Math.random() * ids.length)]!;
}

async function seed(base: string, count: number, body: string): Promise<string[]> {
  const ids: string[] = [];
  await autocannon({
    url: `${base}/Observation`, connections: CONNECTIONS, amount: count, method: 'POST', headers: JSON_HEADERS, body,
    setupClient: (client) => client.on('body', (raw: Buffer) => ids.push(JSON.parse(raw.toString()).id)),
  });
  return ids;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-bench-'));
  const body = JSON.stringify(observation());
  // the foundation: auth-audit.ts measures what authentication and the audit add to it
  const fhir = await startChild('src/main.ts', { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', PROFILES: 'none', AUDIT: 'off' }, /listening at http:\/\/127\.0\.0\.1:(\d+)/);
  fhir.process.stdout!.resume();
  const base = `${fhir.url}/fhir`;
  const ids = await seed(base, 2_000, body);
  const sample = await (await fetch(`${base}/Observation/${ids[0]}`)).text();
  const bare = await startChild('bench/bare-server.ts', { BARE_BODY: sample }, /"port":(\d+)/);
  const rows: Row[] = [];
  try {
    const readBody = () => ({ path: `/fhir/Observation/${randomOf(ids)}` });
    rows.push(row('read by id', 'bare', await load(`${bare.url}/bare/1`, {})));
    rows.push(row('read by id', 'fhir', await load(fhir.url, { requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, ...readBody() }) }] })));
    rows.push(row('create 1.5 KB Observation', 'bare', await load(`${bare.url}/bare`, { method: 'POST', headers: JSON_HEADERS, body })));
    rows.push(row('create 1.5 KB Observation', 'fhir', await load(`${base}/Observation`, { method: 'POST', headers: JSON_HEADERS, body })));
    rows.push(row('update', 'bare', await load(`${bare.url}/bare/1`, { method: 'PUT', headers: JSON_HEADERS, body: sample })));
    rows.push(row('update', 'fhir', await load(fhir.url, {
      requests: [{ method: 'PUT', headers: JSON_HEADERS, setupRequest: (r) => {
        const id = randomOf(ids);
        return { ...r, path: `/fhir/Observation/${id}`, body: JSON.stringify({ ...observation(), id }) };
      } }],
    })));
    const stored = await countStored(base);
    if (stored < STORED) await seed(base, STORED - stored, body);
    const storedNow = await countStored(base);
    rows.push(row(`read by id, ${storedNow} stored`, 'fhir', await load(fhir.url, { requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, ...readBody() }) }] })));
    printTable(rows, fhir.memory(), storedNow);
  } finally {
    await bare.stop();
    await fhir.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function countStored(base: string): Promise<number> {
  const res = await fetch(`${base}/Observation?_summary=count`);
  return ((await res.json()) as { total: number }).total;
}

function printTable(rows: Row[], memory: Memory, stored: number): void {
  const bareRps = new Map(rows.filter((r) => r.target === 'bare').map((r) => [r.scenario, r.rps]));
  console.log(`\n${CONNECTIONS} connections, ${DURATION} s per scenario after ${WARMUP} s of warm-up, embedded store, authentication and audit off\n`);
  console.log('| scenario | target | req/s | p50 ms | p99 ms | errors | ratio to bare |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const bareFor = bareRps.get(r.scenario) ?? bareRps.get('read by id');
    const ratio = r.target === 'fhir' && bareFor ? `${((r.rps / bareFor) * 100).toFixed(0)}%` : '';
    console.log(`| ${r.scenario} | ${r.target} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${ratio} |`);
    recordLoad('rest', `${r.scenario} (${r.target})`, { perSecond: r.rps, p50: r.p50, p99: r.p99 });
  }
  recordResult({ bench: 'rest', scenario: `FHIR server, ${stored} stored`, metric: 'memory-peak-rss', value: memory.peakRssMb, unit: 'MB' });
  console.log(`\nFHIR server with ${stored} Observations stored: peak RSS ${memory.peakRssMb.toFixed(0)} MB;`
    + ` now ${memory.anonMb.toFixed(0)} MB private memory + ${memory.fileMb.toFixed(0)} MB of the store's file mapped (clean pages the kernel reclaims)`);
}

await main();
