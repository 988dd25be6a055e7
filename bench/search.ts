/**
 * Search benchmark (npm run bench:search): 1,000,000 Observations over 10,000 Patients in the
 * embedded store, then over HTTP:
 * - a patient's results of one code, newest first: p50 at 1 connection, req/s at 16;
 * - a patient by SNILS: p50 at 1 connection, req/s at 16;
 * - `_total=accurate` on a search with 100,000 matches: the median time of a few requests;
 * and the plan each search runs with (the index it uses). The server audits every search, as in
 * production (AUDIT=off measures without it).
 * BENCH_DATA_DIR keeps the seeded store between runs (seeding takes minutes); BENCH_PATIENTS and
 * BENCH_OBSERVATIONS_PER_PATIENT scale the data down for a quick look.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { compileSort, parseSearch } from '../src/search/index.js';
import { Repository } from '../src/services/repository.js';
import type { CurrentDocument } from '../src/services/stored-document.js';
import { liveFilter } from '../src/services/search/live-filter.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/types.js';
import { startChild } from './processes.js';
import { recordLoad, recordResult } from './results-file.js';
import { CODES, seedSearchData, snilsOf } from './search-data.js';

const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 10_000);
const PER_PATIENT = Number(process.env.BENCH_OBSERVATIONS_PER_PATIENT ?? 100);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const THROUGHPUT_CONNECTIONS = 16;
/** The ФСЛИ code system (lab tests), as EGISZ systems send codes: with their system. */
const FSLI = 'urn:oid:1.2.643.5.1.13.13.11.1080';

interface Scenario {
  name: string;
  target: string;
  /** The target's figures: p50 in ms at 1 connection, req/s at 16. */
  p50Target: number;
  rpsTarget?: number;
  /** A fresh query string (after `/fhir/`) for each request. */
  path: () => string;
}

const randomInt = (n: number) => Math.floor(Math.random() * n);

function scenarios(patientIds: string[]): Scenario[] {
  return [
    {
      name: 'Observation?patient=X&code=Y&_sort=-date&_count=20', target: 'p50 < 5 ms, ≥ 500 req/s', p50Target: 5, rpsTarget: 500,
      path: () => `Observation?patient=Patient/${patientIds[randomInt(patientIds.length)]}&code=${CODES[randomInt(CODES.length)]}&_sort=-date&_count=20`,
    },
    {
      name: 'Observation?patient=X&code=ФСЛИ|Y&_sort=-date&_count=20', target: 'p50 < 5 ms, ≥ 500 req/s', p50Target: 5, rpsTarget: 500,
      path: () => `Observation?patient=Patient/${patientIds[randomInt(patientIds.length)]}&code=${FSLI}|${CODES[randomInt(CODES.length)]}&_sort=-date&_count=20`,
    },
    {
      name: 'Patient?identifier=urn:oid:1.2.643.100.3|SNILS', target: 'p50 < 2 ms', p50Target: 2,
      path: () => `Patient?identifier=urn:oid:1.2.643.100.3|${snilsOf(randomInt(patientIds.length))}`,
    },
  ];
}

/**
 * Links the audit backlog a run left (the server links beside the requests, at most half the
 * time), so each measurement starts from the same state instead of sharing the processor with
 * the linking of the one before; returns the seconds it took.
 */
async function linkAuditBacklog(base: string): Promise<number> {
  if (process.env.AUDIT === 'off') return 0;
  const started = performance.now();
  const answer = await fetch(`${base}/fhir/AuditEvent/$verify-chain`);
  if (answer.status !== 200) throw new Error(`$verify-chain answered ${answer.status}`);
  return (performance.now() - started) / 1000;
}

async function measure(base: string, scenario: Scenario, connections: number): Promise<autocannon.Result & { linkSeconds: number }> {
  const requests = [{ method: 'GET' as const, setupRequest: (r: autocannon.Request) => ({ ...r, path: `/fhir/${scenario.path()}` }) }];
  await autocannon({ url: base, connections, duration: 2, requests });
  await linkAuditBacklog(base);
  const result = await autocannon({ url: base, connections, duration: DURATION, requests });
  return { ...result, linkSeconds: await linkAuditBacklog(base) };
}

/** Median wall time of `runs` sequential requests. */
async function medianMs(url: string, runs: number): Promise<{ ms: number; total: number }> {
  const times: number[] = [];
  let total = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const res = await fetch(url);
    total = ((await res.json()) as { total: number }).total;
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(runs / 2)]!, total };
}

/** The plan of a search's filter and sort, as the store's explain() reports it. */
async function planOf(store: Store, type: string, query: string): Promise<string> {
  const req = parseSearch(type, new URLSearchParams(query));
  const cursor = store.collection<CurrentDocument>(type).find(liveFilter(req), { sort: compileSort(req), limit: 21 });
  const explained = (await cursor.explain?.()) as { queryPlanner?: { winningPlan?: unknown } } | undefined;
  return JSON.stringify(explained?.queryPlanner?.winningPlan ?? explained ?? 'no explain()');
}

async function main(): Promise<void> {
  const dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'fhir-search-bench-'));
  const fresh = !existsSync(join(dataDir, 'data.mdb'));
  const store = await openStore({ mongodbUri: process.env.MONGODB_URI, dataDir });
  const patientIds = await seedSearchData(store, new Repository(store), PATIENTS, PER_PATIENT, fresh);
  const plans = [
    ['Observation', `patient=Patient/${patientIds[0]}&code=${CODES[0]}&_sort=-date`],
    ['Observation', `patient=Patient/${patientIds[0]}&code=${FSLI}|${CODES[0]}&_sort=-date`],
    ['Patient', `identifier=urn:oid:1.2.643.100.3|${snilsOf(0)}`],
    ['Observation', `code=${CODES[0]}`],
  ] as const;
  const planLines = await Promise.all(plans.map(async ([type, query]) => `${type}?${query}: ${await planOf(store, type, query)}`));
  await store.close();

  const fhir = await startChild('src/main.ts', { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', ...(process.env.MONGODB_URI ? { MONGODB_URI: process.env.MONGODB_URI } : {}) }, /listening at http:\/\/127\.0\.0\.1:(\d+)/);
  fhir.process.stdout!.resume();
  try {
    console.log(`\n${PATIENTS} Patients, ${PATIENTS * PER_PATIENT} Observations, ${process.env.MONGODB_URI ? 'MongoDB' : 'embedded store'}\n`);
    console.log('| search | target | p50 ms, 1 connection | req/s, 16 connections | p50 / p99 ms at 16 | audit backlog linked after, s |');
    console.log('|---|---|---:|---:|---:|---:|');
    for (const scenario of scenarios(patientIds)) {
      const single = await measure(fhir.url, scenario, 1);
      const many = await measure(fhir.url, scenario, THROUGHPUT_CONNECTIONS);
      console.log(`| ${scenario.name.replaceAll('|', '\\|')} | ${scenario.target} | ${single.latency.p50} | ${many.requests.average.toFixed(0)} | ${many.latency.p50} / ${many.latency.p99} | ${many.linkSeconds.toFixed(1)} |`);
      recordResult({ bench: 'search', scenario: `${scenario.name}, 1 connection`, metric: 'latency-p50', value: single.latency.p50, unit: 'ms', target: scenario.p50Target });
      recordLoad('search', `${scenario.name}, ${THROUGHPUT_CONNECTIONS} connections`, { perSecond: many.requests.average, p50: many.latency.p50, p99: many.latency.p99 }, 'req/s', { perSecond: scenario.rpsTarget });
    }
    const accurate = await medianMs(`${fhir.url}/fhir/Observation?code=${CODES[0]}&_total=accurate&_count=1`, 5);
    console.log(`| Observation?code=Y&_total=accurate (${accurate.total} matches) | < 500 ms | ${accurate.ms.toFixed(0)} (median of 5) | | | |`);
    recordResult({ bench: 'search', scenario: `Observation?code=Y&_total=accurate (${accurate.total} matches)`, metric: 'latency-p50', value: accurate.ms, unit: 'ms', target: 500 });
    console.log('\nPlans:');
    for (const line of planLines) console.log(`- ${line}`);
  } finally {
    await fhir.stop();
    if (!process.env.BENCH_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
