/**
 * Subscriptions benchmark (npm run bench:subscriptions), embedded store, the server as its own
 * process (PROFILES=none), a local rest-hook receiver, one full-resource Subscription per patient:
 * - latency from the 201 of a final DiagnosticReport to its arrival at the receiver, at a paced
 *   200 results/s for BENCH_LATENCY_SECONDS (20) over BENCH_PATIENTS (100) patients with consent;
 * - zero loss: BENCH_RESULTS (10000) results for patients half of whom consented, the receiver
 *   refusing every other request (503), the server killed with kill -9 and restarted twice during
 *   the run; then every acknowledged result of a consented patient must arrive, none of the others.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, DiagnosticReport, Parameters } from 'fhir/r4.js';
import { type Child, startChild } from './processes.js';
import { recordResult } from './results-file.js';
import { cabinetConsent, labReport } from '../test/support/cabinet-fixtures.ts';

const RATE = 200;
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 20);
const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 100);
const RESULTS = Number(process.env.BENCH_RESULTS ?? 10_000);
const DRAIN_SECONDS = Number(process.env.BENCH_DRAIN_SECONDS ?? 300);
const WRITERS = 8;
const MAX_IN_FLIGHT = 512;
const SERVER_ENV = {
  PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', PROFILES: 'none',
  SUBSCRIPTION_RETRY_BASE_MS: '50', SUBSCRIPTION_RETRY_MAX_MS: '1000', SUBSCRIPTION_TIMEOUT: '2', SUBSCRIPTION_LEASE: '5',
};
const HEADERS = { 'content-type': 'application/fhir+json' };

interface Row { scenario: string; target: string; result: string; detail: string }

/** What the receiver saw: the first arrival of each report, the notifications it accepted and the repeats among them. */
class Receiver {
  readonly firstArrival = new Map<string, number>();
  readonly patientOf = new Map<string, string>();
  private readonly seenEvents = new Set<string>();
  duplicates = 0;
  requests = 0;
  failHalf = false;
  url = '';
  private server: Server | undefined;

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const refused = this.failHalf && ++this.requests % 2 === 0;
        if (!refused) this.accept(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Bundle, performance.now());
        response.statusCode = refused ? 503 : 200;
        response.end();
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/notify`;
  }

  private accept(bundle: Bundle, at: number): void {
    const parameters = (bundle.entry?.[0]?.resource as Parameters).parameter ?? [];
    if (parameters.find((p) => p.name === 'type')?.valueCode !== 'event-notification') return;
    const subscription = parameters.find((p) => p.name === 'subscription')?.valueReference?.reference?.split('/').at(-1);
    for (const event of parameters.filter((p) => p.name === 'notification-event')) {
      const key = `${subscription}#${event.part?.find((p) => p.name === 'event-number')?.valueString}`;
      if (this.seenEvents.has(key)) this.duplicates++;
      this.seenEvents.add(key);
    }
    for (const entry of bundle.entry?.slice(1) ?? []) {
      const report = entry.resource as DiagnosticReport | undefined;
      if (!report?.id || this.firstArrival.has(report.id)) continue;
      this.firstArrival.set(report.id, at);
      this.patientOf.set(report.id, report.subject?.reference?.replace('Patient/', '') ?? '');
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server!.close(() => resolve()));
  }
}

function report(patient: string, n: number): string {
  return JSON.stringify(labReport(patient, 'final', `Общий анализ крови ${n}`));
}

async function send(base: string, method: string, path: string, body: object): Promise<void> {
  const response = await fetch(`${base}/${path}`, { method, headers: HEADERS, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
}

/** The lab, and each patient with a Subscription to their results, with a Consent when `consented` says so. */
async function enrol(base: string, receiver: Receiver, patients: string[], consented: (patient: string) => boolean): Promise<void> {
  await send(base, 'PUT', 'Organization/lab1', { resourceType: 'Organization', id: 'lab1', name: 'Лаборатория' });
  for (const patient of patients) {
    await send(base, 'PUT', `Patient/${patient}`, { resourceType: 'Patient', id: patient });
    if (consented(patient)) await send(base, 'POST', 'Consent', cabinetConsent(patient));
    await send(base, 'POST', 'Subscription', {
      resourceType: 'Subscription', status: 'requested', reason: 'Результаты в личный кабинет', criteria: `DiagnosticReport?patient=Patient/${patient}`,
      channel: { type: 'rest-hook', endpoint: receiver.url, payload: 'application/fhir+json' },
    });
  }
}

/** Posts one result; its id and when the 201 came, or undefined when it was not acknowledged. */
async function postResult(base: string, patient: string, n: number): Promise<{ id: string; at: number } | undefined> {
  try {
    const response = await fetch(`${base}/DiagnosticReport`, { method: 'POST', headers: { ...HEADERS, prefer: 'return=minimal' }, body: report(patient, n) });
    const at = performance.now();
    await response.arrayBuffer();
    const id = /\/DiagnosticReport\/([^/]+)/.exec(response.headers.get('location') ?? '')?.[1];
    return response.status === 201 && id ? { id, at } : undefined;
  } catch {
    return undefined; // the server is down or restarting
  }
}

async function startServer(dataDir: string): Promise<Child> {
  const server = await startChild('src/main.ts', { ...SERVER_ENV, DATA_DIR: dataDir }, /listening at http:\/\/127\.0\.0\.1:(\d+)/);
  server.process.stdout!.resume();
  return server;
}

async function kill9(server: Child): Promise<void> {
  const exited = once(server.process, 'exit');
  server.process.kill('SIGKILL');
  await exited;
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** One result every 1/RATE s (open loop, whatever the answers take) for LATENCY_SECONDS. */
async function pacedResults(base: string, patients: string[]): Promise<{ acknowledged: Map<string, number>; seconds: number }> {
  const acknowledged = new Map<string, number>();
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  const total = RATE * LATENCY_SECONDS;
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / RATE;
    if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
    if (pending.size >= MAX_IN_FLIGHT) await Promise.race(pending);
    const write = postResult(base, patients[n % patients.length]!, n).then((ack) => {
      if (ack) acknowledged.set(ack.id, ack.at);
    });
    pending.add(write);
    void write.finally(() => pending.delete(write));
  }
  await Promise.all(pending);
  return { acknowledged, seconds: (performance.now() - started) / 1000 };
}

function recordLatency(perSecond: number, sortedLatencies: number[]): void {
  const scenario = `final result → receiver, paced ${RATE} results/s`;
  recordResult({ bench: 'subscriptions', scenario, metric: 'throughput', value: perSecond, unit: 'results/s', target: RATE });
  recordResult({ bench: 'subscriptions', scenario, metric: 'latency-p50', value: percentile(sortedLatencies, 50), unit: 'ms', target: 50 });
  recordResult({ bench: 'subscriptions', scenario, metric: 'latency-p99', value: percentile(sortedLatencies, 99), unit: 'ms', target: 1000 });
}

async function latency(): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-bench-subscriptions-'));
  const receiver = new Receiver();
  await receiver.start();
  const server = await startServer(dataDir);
  try {
    const base = `${server.url}/fhir`;
    const patients = Array.from({ length: PATIENTS }, (_, i) => `lat${i}`);
    await enrol(base, receiver, patients, () => true);
    const { acknowledged, seconds } = await pacedResults(base, patients);
    await waitUntil(() => [...acknowledged.keys()].every((id) => receiver.firstArrival.has(id)), 30_000);
    const latencies = [...acknowledged].filter(([id]) => receiver.firstArrival.has(id))
      .map(([id, at]) => Math.max(0, receiver.firstArrival.get(id)! - at)).sort((a, b) => a - b);
    recordLatency(acknowledged.size / seconds, latencies);
    return {
      scenario: `final result → receiver, paced ${RATE} results/s for ${LATENCY_SECONDS} s, ${PATIENTS} patients with consent`,
      target: `p50 < 50 ms, p99 < 1 s at ${RATE} results/s`,
      result: `p50 ${Math.round(percentile(latencies, 50))} ms, p99 ${Math.round(percentile(latencies, 99))} ms`,
      detail: `max ${Math.round(latencies.at(-1) ?? NaN)} ms; achieved ${Math.round(acknowledged.size / seconds)} results/s (${acknowledged.size} acknowledged of ${RATE * LATENCY_SECONDS}); ${latencies.length} delivered`,
    };
  } finally {
    await server.stop();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function zeroLoss(): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-bench-subscriptions-'));
  const receiver = new Receiver();
  await receiver.start();
  receiver.failHalf = true;
  let server = await startServer(dataDir);
  try {
    const patients = Array.from({ length: PATIENTS }, (_, i) => `loss${i}`);
    const consented = new Set(patients.filter((_, i) => i % 2 === 0));
    await enrol(`${server.url}/fhir`, receiver, patients, (patient) => consented.has(patient));
    const acknowledged = new Map<string, string>(); // report id → patient
    let sent = 0;
    const writers = Array.from({ length: WRITERS }, async () => {
      while (acknowledged.size < RESULTS) {
        const patient = patients[sent++ % patients.length]!;
        const ack = await postResult(`${server.url}/fhir`, patient, sent);
        if (ack) acknowledged.set(ack.id, patient);
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
    for (const killAt of [RESULTS / 3, (2 * RESULTS) / 3]) {
      await waitUntil(() => acknowledged.size >= killAt, 3_600_000);
      await kill9(server);
      server = await startServer(dataDir);
    }
    await Promise.all(writers);

    const writesEnded = Date.now();
    const expected = [...acknowledged].filter(([, patient]) => consented.has(patient)).map(([id]) => id);
    await waitUntil(() => expected.every((id) => receiver.firstArrival.has(id)), DRAIN_SECONDS * 1000);
    const drainSeconds = (Date.now() - writesEnded) / 1000;
    const delivered = expected.filter((id) => receiver.firstArrival.has(id)).length;
    const withoutConsent = [...receiver.patientOf.values()].filter((patient) => !consented.has(patient)).length;
    const unacknowledged = [...receiver.firstArrival.keys()].filter((id) => !acknowledged.has(id)).length;
    recordResult({ bench: 'subscriptions', scenario: 'zero loss, kill -9 twice', metric: 'lost', value: expected.length - delivered, unit: 'results', target: 0 });
    recordResult({ bench: 'subscriptions', scenario: 'zero loss, kill -9 twice', metric: 'leaked', value: withoutConsent, unit: 'results', target: 0 });
    return {
      scenario: `zero loss: ${RESULTS} results, ${PATIENTS} patients (half with consent), receiver refusing every other request, kill -9 twice`,
      target: 'delivered = acknowledged with consent, 0 without consent',
      result: `${delivered} of ${expected.length} delivered, ${withoutConsent} without consent`,
      detail: `${acknowledged.size} acknowledged; ${receiver.duplicates} duplicates seen; ${unacknowledged} delivered that were written but not acknowledged (cut by a kill); drained in ${drainSeconds.toFixed(1)} s after the last write; ${receiver.requests} receiver requests`,
    };
  } finally {
    await server.stop();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows = [await latency(), await zeroLoss()];
  console.log(`\nSubscriptions, embedded store, rest-hook to a local receiver (retry base 50 ms, max 1 s, lease 5 s, timeout 2 s)\n`);
  console.log('| scenario | target | result | detail |\n|---|---|---:|---|');
  for (const row of rows) console.log(`| ${row.scenario} | ${row.target} | ${row.result} | ${row.detail} |`);
}

await main();
