/**
 * SIGTERM on a real server process: requests in flight finish and stay (with their AuditEvents),
 * new ones get a FHIR 503 or a refused connection, keep-alive connections do not hold the shutdown
 * open, SHUTDOWN_TIMEOUT bounds the wait, a second SIGTERM changes nothing, the subscription
 * leases are released, and the process exits 0.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { openStore } from '../../src/store/open-store.js';
import { STATE_COLLECTION, type SubscriptionState } from '../../src/services/subscriptions/outbox.js';
import { cabinetConsent, labReport } from '../support/cabinet-fixtures.js';
import { client } from '../support/fhir-client.js';
import { type ServerProcess, spawnServer } from '../support/server-process.js';

const FHIR_JSON = 'application/fhir+json';

function temporaryDataDir(t: Test): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-graceful-shutdown-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  return dataDir;
}

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!done()) throw new Error(`still waiting after ${timeoutMs} ms`);
}

/** The messages the server logged so far. */
function logged(server: ServerProcess): string[] {
  return server.lines.flatMap((line) => {
    try {
      return [(JSON.parse(line) as { msg: string }).msg];
    } catch {
      return [];
    }
  });
}

const countLogged = (server: ServerProcess, start: string) => logged(server).filter((msg) => msg.startsWith(start)).length;

/** When and how the process ended. */
function exitOf(server: ServerProcess): Promise<{ code: number | null; signal: string | null; at: number }> {
  return once(server.child, 'exit').then(([code, signal]) => ({ code, signal, at: Date.now() }));
}

interface Outcome {
  kind: 'create' | 'read';
  requestId: string;
  sentAt: number;
  /** The HTTP status, or the network error code when no answer came. */
  status?: number;
  error?: string;
  /** The created or read Patient. */
  id?: string;
  body?: any;
  connection?: string | null;
}

/** Requests sent this long before SIGTERM have surely reached the server before it handles the signal. */
const IN_FLIGHT_MARGIN_MS = 200;

const acknowledged = (outcome: Outcome) => outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300;

async function attempt(base: string, kind: Outcome['kind'], requestId: string, readId: string): Promise<Outcome> {
  const sentAt = Date.now();
  const create = kind === 'create';
  try {
    const response = await fetch(`${base}/Patient${create ? '' : `/${readId}`}`, {
      method: create ? 'POST' : 'GET',
      headers: { 'x-request-id': requestId, 'content-type': FHIR_JSON },
      body: create ? JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Остановкина', given: [requestId] }] }) : undefined,
    });
    const body = await response.json();
    return { kind, requestId, sentAt, status: response.status, id: body.id, body, connection: response.headers.get('connection') };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return { kind, requestId, sentAt, error: cause?.code ?? String(err) };
  }
}

/** Every AuditEvent's request id, with its interaction and the resources it names. */
async function auditedRequests(base: string): Promise<Map<string, { interaction: string; references: string[] }>> {
  const audited = new Map<string, { interaction: string; references: string[] }>();
  let next: string | undefined = '/AuditEvent?_count=1000&_elements=subtype,entity';
  while (next) {
    const page = await client(base).get(next);
    for (const { resource } of page.body.entry ?? []) {
      const entities: any[] = resource.entity ?? [];
      const requestId = entities.find((e) => e.type?.code === 'XrequestId')?.what.identifier.value;
      const references = entities.flatMap((e) => (e.what?.reference ? [e.what.reference] : []));
      if (requestId) audited.set(requestId, { interaction: resource.subtype[0].code, references });
    }
    next = page.body.link.find((l: { relation: string }) => l.relation === 'next')?.url;
  }
  return audited;
}

t.test('SIGTERM under 16 concurrent creates and reads: every acknowledged request is kept and audited, the rest get 503 or no connection, exit 0', async (t) => {
  const env = { DATA_DIR: temporaryDataDir(t), RATE_LIMIT: '0' };
  const server = await spawnServer(env);
  const exit = exitOf(server);
  const seed = await client(server.base).post('/Patient', { resourceType: 'Patient', name: [{ family: 'Исходная' }] });
  const outcomes: Outcome[] = [];
  const created: string[] = [seed.body.id];
  let streaming = true;
  const workers = Array.from({ length: 16 }, async (_, worker) => {
    for (let n = 0; streaming; n++) {
      const kind = n % 2 === 0 ? 'create' : 'read';
      const outcome = await attempt(server.base, kind, `shutdown-${worker}-${n}`, created[n % created.length]!);
      outcomes.push(outcome);
      if (kind === 'create' && acknowledged(outcome)) created.push(outcome.id!);
    }
  });
  await until(() => outcomes.filter(acknowledged).length >= 400, 60_000);
  const sigtermAt = Date.now();
  server.child.kill('SIGTERM');
  const { code, signal, at: exitedAt } = await exit;
  await new Promise((resolve) => setTimeout(resolve, 200)); // the workers meet the closed port
  streaming = false;
  await Promise.all(workers);

  t.same({ code, signal }, { code: 0, signal: null }, 'the process exited with code 0');
  const answeredOtherwise = outcomes.filter((o) => o.status !== undefined && !acknowledged(o) && o.status !== 503);
  t.same(answeredOtherwise.map((o) => o.status), [], 'no answer but 2xx and 503');
  // a request sent just before the signal may reach the server after it: only those sent earlier are surely in flight
  const failedInFlight = outcomes.filter((o) => !acknowledged(o) && o.sentAt < sigtermAt - IN_FLIGHT_MARGIN_MS);
  t.same(failedInFlight.map((o) => o.status ?? o.error), [], `nothing sent over ${IN_FLIGHT_MARGIN_MS} ms before SIGTERM failed`);
  const unavailable = outcomes.filter((o) => o.status === 503);
  t.ok(unavailable.every((o) => o.body?.issue?.[0]?.details?.coding?.[0]?.code === 'FHIR_ERR_SHUTTING_DOWN' && o.connection === 'close'), `each of ${unavailable.length} 503s is an OperationOutcome with Connection: close`);
  const errors = new Set(outcomes.flatMap((o) => (o.error ? [o.error] : [])));
  t.ok([...errors].every((error) => ['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET'].includes(error)), `failed connections are refused or closed ones only (${[...errors].join(', ')})`);
  t.ok(outcomes.some((o) => o.error === 'ECONNREFUSED'), 'after the shutdown the port refuses connections');
  const tally = (list: Outcome[]) => `${list.filter(acknowledged).length} acknowledged, ${list.filter((o) => o.status === 503).length} 503, ${list.filter((o) => o.error).length} without an answer`;
  const justBefore = outcomes.filter((o) => o.sentAt < sigtermAt && o.sentAt >= sigtermAt - IN_FLIGHT_MARGIN_MS);
  t.comment(`SIGTERM after ${outcomes.filter((o) => o.sentAt < sigtermAt).length} requests; exit ${exitedAt - sigtermAt} ms later; sent in the ${IN_FLIGHT_MARGIN_MS} ms before SIGTERM: ${tally(justBefore)}; sent after: ${tally(outcomes.filter((o) => o.sentAt >= sigtermAt))} (${[...errors].map((error) => `${error} ×${outcomes.filter((o) => o.error === error).length}`).join(', ')})`);
  t.comment(`shutdown steps logged: ${server.lines.filter((line) => line.includes('elapsedMs')).map((line) => { const { msg, elapsedMs } = JSON.parse(line); return `${msg.split(';')[0]} at ${elapsedMs} ms`; }).join(', ')}`);

  const restarted = await spawnServer(env);
  t.teardown(() => restarted.stop());
  const chain = await client(restarted.base).get('/AuditEvent/$verify-chain'); // links the audit records still pending first
  t.equal(chain.body.parameter[0].valueBoolean, true, 'the audit chain is intact');
  const creates = outcomes.filter((o) => o.kind === 'create' && acknowledged(o));
  const unreadable: string[] = [];
  for (const { id } of creates) if ((await client(restarted.base).get(`/Patient/${id}`)).status !== 200) unreadable.push(id!);
  t.same(unreadable, [], `all ${creates.length} acknowledged creates are readable after the restart`);
  const audited = await auditedRequests(restarted.base);
  const unaudited = outcomes.filter(acknowledged).filter((o) => {
    const event = audited.get(o.requestId);
    return event?.interaction !== o.kind || !event.references.some((reference) => reference.startsWith(`Patient/${o.id}`));
  });
  t.same(unaudited.map((o) => o.requestId), [], `all ${outcomes.filter(acknowledged).length} acknowledged requests have their AuditEvent (interaction, Patient, request id)`);
});

/** A raw HTTP/1.1 connection, to hold a request half sent while the server shuts down. */
function rawConnection(base: string) {
  const { port } = new URL(base);
  const socket = connect(Number(port), '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => (received += chunk));
  const closedAt = once(socket, 'close').then(() => Date.now());
  return {
    write: (text: string) => socket.write(text),
    closedAt,
    /** The next whole answer (the server sends a Content-Length). */
    async response(): Promise<{ status: number; headers: Record<string, string>; body: any }> {
      await until(() => {
        const end = received.indexOf('\r\n\r\n');
        const length = /content-length: (\d+)/i.exec(received)?.[1];
        return end >= 0 && length !== undefined && Buffer.byteLength(received.slice(end + 4)) >= Number(length);
      }, 10_000);
      const end = received.indexOf('\r\n\r\n');
      const [statusLine, ...headerLines] = received.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const body = received.slice(end + 4);
      received = '';
      return { status: Number(statusLine!.split(' ')[1]), headers, body: JSON.parse(body) };
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

t.test('during the shutdown: an idle keep-alive connection is closed, an in-flight create finishes, a new request gets a FHIR 503, a request that never finishes is cut at SHUTDOWN_TIMEOUT; a second SIGTERM changes nothing', async (t) => {
  const server = await spawnServer({ DATA_DIR: temporaryDataDir(t), SHUTDOWN_TIMEOUT: '5' });
  const exit = exitOf(server);
  const idle = rawConnection(server.base);
  idle.write('GET /fhir/metadata HTTP/1.1\r\nHost: fhir\r\n\r\n');
  t.equal((await idle.response()).status, 200, 'a keep-alive connection answered once, then idle');
  const patient = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Незаконченная' }] });
  const postHeaders = (length: number) => `POST /fhir/Patient HTTP/1.1\r\nHost: fhir\r\nContent-Type: ${FHIR_JSON}\r\nContent-Length: ${length}\r\n\r\n`;
  const inFlight = rawConnection(server.base);
  inFlight.write(postHeaders(Buffer.byteLength(patient)) + patient.slice(0, 20));
  const stuck = rawConnection(server.base);
  stuck.write(`${postHeaders(1000)}{"resourceType":`);
  const late = rawConnection(server.base);
  late.write('GET /fhir/metadata HTTP/1.1\r\nHost: fhir\r\n');
  await settle();

  const sigtermAt = Date.now();
  server.child.kill('SIGTERM');
  await until(() => countLogged(server, 'shutting down') === 1, 10_000);
  server.child.kill('SIGTERM');
  await until(() => countLogged(server, 'shutdown already under way') === 1, 10_000);
  const idleClosedAfter = (await idle.closedAt) - sigtermAt;
  t.ok(idleClosedAfter < 2000, `the idle keep-alive connection was closed ${idleClosedAfter} ms after SIGTERM`);

  inFlight.write(patient.slice(20));
  const createdAnswer = await inFlight.response();
  t.equal(createdAnswer.status, 201, 'the create in flight at SIGTERM finished');
  t.equal(createdAnswer.headers.connection, 'close', 'its answer closes the connection');
  late.write('\r\n');
  const refused = await late.response();
  t.equal(refused.status, 503, 'a request arriving during the shutdown gets 503');
  t.equal(refused.headers.connection, 'close', 'with Connection: close');
  t.match(refused.headers['content-type'], FHIR_JSON, 'as FHIR JSON');
  t.match(refused.body, { resourceType: 'OperationOutcome', issue: [{ code: 'transient', details: { coding: [{ code: 'FHIR_ERR_SHUTTING_DOWN' }] } }] }, 'and an OperationOutcome');
  t.equal(server.child.exitCode, null, 'the unfinished request holds the shutdown');

  const { code, at: exitedAt } = await exit;
  const stuckClosedAfter = (await stuck.closedAt) - sigtermAt;
  t.equal(code, 0, 'the process exited with code 0');
  t.ok(stuckClosedAfter >= 5000 && stuckClosedAfter < 8000, `the unfinished request's connection was closed at SHUTDOWN_TIMEOUT (5 s): ${stuckClosedAfter} ms after SIGTERM`);
  t.equal(countLogged(server, 'requests still in flight at SHUTDOWN_TIMEOUT'), 1, 'the forced close is logged');
  t.equal(countLogged(server, 'shutting down'), 1, 'one shutdown, though SIGTERM came twice');
  t.comment(`exit ${exitedAt - sigtermAt} ms after SIGTERM`);
});

/** A rest-hook endpoint that holds each notification until `release` is called, then answers `status`. */
async function heldEndpoint() {
  const held: ServerResponse[] = [];
  const delivered: unknown[] = [];
  let status = 503;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (status === 200) {
        delivered.push(JSON.parse(body));
        response.end();
      } else held.push(response);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`,
    held, delivered,
    /** Answers the held notifications with 503 and every later one with 200. */
    release() {
      for (const response of held.splice(0)) response.writeHead(503).end();
      status = 200;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function subscriptionState(dataDir: string, subscription: string): Promise<SubscriptionState | null> {
  const store = await openStore({ dataDir });
  try {
    return await store.collection<SubscriptionState>(STATE_COLLECTION).findOne({ _id: subscription });
  } finally {
    await store.close();
  }
}

t.test('a process stopped during a delivery releases its subscription lease; another takes over at once', { skip: process.env.MONGODB_URI ? 'reads the embedded store of the stopped process' : false }, async (t) => {
  const dataDir = temporaryDataDir(t);
  const env = { DATA_DIR: dataDir, SUBSCRIPTION_LEASE: '60', SUBSCRIPTION_TIMEOUT: '10', SUBSCRIPTION_RETRY_BASE_MS: '50', SUBSCRIPTION_RETRY_MAX_MS: '100' };
  const endpoint = await heldEndpoint();
  t.teardown(() => endpoint.close());
  const first = await spawnServer(env);
  const exit = exitOf(first);
  const fhir = client(first.base);
  await fhir.put('/Organization/lab1', { resourceType: 'Organization', id: 'lab1', name: 'Лаборатория' });
  await fhir.put('/Patient/leased', { resourceType: 'Patient', id: 'leased' });
  await fhir.post('/Consent', cabinetConsent('leased'));
  const subscription = await fhir.post('/Subscription', {
    resourceType: 'Subscription', status: 'requested', reason: 'Результаты в личный кабинет', criteria: 'DiagnosticReport?patient=Patient/leased',
    channel: { type: 'rest-hook', endpoint: endpoint.url, payload: FHIR_JSON },
  });
  const report = await fhir.post('/DiagnosticReport', labReport('leased'));
  t.equal(report.status, 201, 'a result to deliver');
  await until(() => endpoint.held.length === 1, 10_000);

  const sigtermAt = Date.now();
  first.child.kill('SIGTERM');
  await until(() => countLogged(first, 'stopping the subscription dispatcher') === 1, 10_000);
  await settle();
  endpoint.release(); // the delivery under way fails, so the event stays pending
  const { code, at: exitedAt } = await exit;
  t.equal(code, 0, 'the first process exited with code 0');
  const state = await subscriptionState(dataDir, subscription.body.id);
  t.match(state, { pending: 1 }, 'the event is still pending');
  t.equal(state?.leaseOwner, undefined, 'no lease owner is left');
  t.equal(state?.leaseUntil, undefined, 'no lease expiry is left');

  const second = await spawnServer(env);
  t.teardown(() => second.stop());
  const startedAt = Date.now();
  await until(() => endpoint.delivered.length === 1, 20_000);
  const takeover = Date.now() - startedAt;
  t.ok(takeover < 10_000, `the second process delivered ${takeover} ms after it started, without waiting out the 60 s lease`);
  t.comment(`first process: exit ${exitedAt - sigtermAt} ms after SIGTERM (a notification held about 300 ms)`);
});
