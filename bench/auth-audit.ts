/**
 * What authentication and the audit log cost (npm run bench:auth-audit): read by id at 64
 * connections against four servers in the same run, each on its own embedded store: both off,
 * authentication only, audit only, both on. With authentication on, every request carries a
 * clinic token (ES256, organization claim) minted with the development key set; with audit on,
 * every read is recorded and linked into the hash chain. Rounds alternate between the servers,
 * so drift on the machine touches them alike; after each run the audit backlog it left is linked
 * (and timed) before the next server is measured. Target: both on keep at least 75% of both off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { DEFAULT_ISSUER } from '../src/auth/dev-tokens/options.js';
import { mintDevToken } from '../src/auth/dev-tokens/mint-command.js';
import { observation } from './observation.js';
import { type Child, startChild } from './processes.js';
import { recordLoad } from './results-file.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = 64;
const SEEDED = 2_000;
const AUDIENCE = 'urn:bench:fhir';

interface Variant { name: string; auth: boolean; audit: boolean }
const VARIANTS: Variant[] = [
  { name: 'both off', auth: false, audit: false },
  { name: 'authentication only', auth: true, audit: false },
  { name: 'audit only', auth: false, audit: true },
  { name: 'both on', auth: true, audit: true },
];

interface Server { variant: Variant; child: Child; dataDir: string; headers: Record<string, string>; ids: string[]; results: autocannon.Result[]; linkingSeconds: number[] }

async function start(variant: Variant): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-bench-auth-'));
  const child = await startChild('src/main.ts', {
    PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', PROFILES: 'none',
    AUTH: variant.auth ? 'on' : 'off', AUTH_AUDIENCE: AUDIENCE, AUDIT: variant.audit ? 'on' : 'off',
  }, /listening at http:\/\/127\.0\.0\.1:(\d+)/);
  child.process.stdout!.resume();
  const headers: Record<string, string> = { 'content-type': 'application/fhir+json' };
  if (variant.auth) {
    const token = await mintDevToken({ role: 'clinic', organization: 'bench-lab', client: 'bench-clinic', ttlSeconds: 3600, dir: join(dataDir, 'auth'), issuer: DEFAULT_ISSUER, audience: AUDIENCE });
    headers.authorization = `Bearer ${token.trim()}`;
  }
  return { variant, child, dataDir, headers, ids: await seed(`${child.url}/fhir`, headers), results: [], linkingSeconds: [] };
}

async function seed(base: string, headers: Record<string, string>): Promise<string[]> {
  const ids: string[] = [];
  await autocannon({
    url: `${base}/Observation`, connections: CONNECTIONS, amount: SEEDED, method: 'POST', headers, body: JSON.stringify(observation()),
    setupClient: (client) => client.on('body', (raw: Buffer) => ids.push(JSON.parse(raw.toString()).id)),
  });
  if (ids.length !== SEEDED || ids.some((id) => !id)) throw new Error(`seeding failed: ${ids.length} created`);
  return ids;
}

function reads(server: Server, duration: number): Promise<autocannon.Result> {
  const { ids, headers } = server;
  return autocannon({
    url: server.child.url, connections: CONNECTIONS, duration,
    requests: [{ method: 'GET', headers, setupRequest: (r) => ({ ...r, path: `/fhir/Observation/${ids[Math.floor(Math.random() * ids.length)]}` }) }],
  });
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** The auditor's authorization header for a server (none with authentication off). */
async function auditorHeaders(server: Server): Promise<Record<string, string>> {
  if (!server.variant.auth) return {};
  const token = await mintDevToken({ role: 'auditor', client: 'bench-auditor', ttlSeconds: 600, dir: join(server.dataDir, 'auth'), issuer: DEFAULT_ISSUER, audience: AUDIENCE });
  return { authorization: `Bearer ${token.trim()}` };
}

/**
 * Links the audit backlog a run left (the worker links beside the requests, at most half the time)
 * before the next server is measured, so one server's linking does not slow another's run; returns
 * the seconds it took.
 */
async function linkBacklog(server: Server): Promise<number> {
  if (!server.variant.audit) return 0;
  const started = performance.now();
  const answer = await fetch(`${server.child.url}/fhir/AuditEvent/$verify-chain`, { headers: await auditorHeaders(server) });
  if (answer.status !== 200) throw new Error(`$verify-chain answered ${answer.status}`);
  return (performance.now() - started) / 1000;
}

async function auditedCount(server: Server): Promise<number | undefined> {
  if (!server.variant.audit) return undefined;
  const answer = await fetch(`${server.child.url}/fhir/AuditEvent?_summary=count`, { headers: await auditorHeaders(server) });
  return ((await answer.json()) as { total: number }).total;
}

async function main(): Promise<void> {
  const servers: Server[] = [];
  try {
    for (const variant of VARIANTS) servers.push(await start(variant));
    for (const server of servers) {
      if (WARMUP > 0) await reads(server, WARMUP);
      await linkBacklog(server);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const server of servers) {
        server.results.push(await reads(server, DURATION));
        server.linkingSeconds.push(await linkBacklog(server));
      }
    }
    const baseline = mean(servers[0]!.results.map((r) => r.requests.average));
    console.log(`\nread by id, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION} s per server, embedded store\n`);
    console.log('| authentication and audit | req/s | p50 ms | p99 ms | errors | of both off | AuditEvents stored | backlog linked after a run |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const server of servers) {
      const rps = mean(server.results.map((r) => r.requests.average));
      const errors = server.results.reduce((sum, r) => sum + r.errors + r.timeouts + r.non2xx, 0);
      const p50 = mean(server.results.map((r) => r.latency.p50));
      const p99 = mean(server.results.map((r) => r.latency.p99));
      const stored = await auditedCount(server);
      const linking = server.variant.audit ? `${mean(server.linkingSeconds).toFixed(1)} s` : '';
      console.log(`| ${server.variant.name} | ${rps.toFixed(0)} | ${p50.toFixed(0)} | ${p99.toFixed(0)} | ${errors} | ${((rps / baseline) * 100).toFixed(0)}% | ${stored ?? ''} | ${linking} |`);
      const target = server.variant.auth && server.variant.audit ? 0.75 * baseline : undefined;
      recordLoad('auth-audit', `read by id, ${server.variant.name}`, { perSecond: rps, p50, p99 }, 'req/s', { perSecond: target });
    }
    console.log('\nTarget: both on ≥ 75% of both off. The audit worker links beside the requests, at most half the time;');
    console.log('what a run leaves is linked (at full speed, by $verify-chain) before the next server is measured.');
  } finally {
    for (const server of servers) {
      await server.child.stop();
      rmSync(server.dataDir, { recursive: true, force: true });
    }
  }
}

await main();
