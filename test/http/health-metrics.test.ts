import { rmSync } from 'node:fs';
import t from 'tap';
import { loadConfig, type SubscriptionSettings } from '../../src/config.js';
import { cabinetConsent, labReport } from '../support/cabinet-fixtures.js';
import { captureEndpoint, describeNotification } from '../support/capture-endpoint.js';
import { client } from '../support/fhir-client.js';
import { startServer, type TestServer } from '../support/server.js';
import { testIssuer } from '../support/test-tokens.js';

// a failed delivery is tried again only after a minute: its event stays pending meanwhile
const SLOW_RETRY: SubscriptionSettings = { ...loadConfig({}).subscriptions, retryBaseMs: 60_000, retryMaxMs: 60_000, timeoutSeconds: 2, leaseSeconds: 5 };
const server = await startServer({ subscriptions: SLOW_RETRY });
t.teardown(() => server.close());
const fhir = client(server.base);

/** The server's root, where the operations endpoints are (outside the FHIR base). */
function operations(running: TestServer) {
  return client(running.base.replace(/\/fhir$/, ''));
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseExposition(text: string): Sample[] {
  return text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => {
    const [, name, labelText = '', value] = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)!;
    const labels = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map(([, key, val]) => [key!, val!]));
    return { name: name!, labels, value: Number(value) };
  });
}

async function scrape(running: TestServer = server): Promise<Sample[]> {
  const answer = await operations(running).get('/metrics');
  if (answer.status !== 200) throw new Error(`GET /metrics: ${answer.status} ${answer.text}`);
  return parseExposition(answer.text);
}

/** The value of the sample with this name and (at least) these labels; 0 when there is none yet. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.find((s) => s.name === name && Object.entries(labels).every(([key, val]) => s.labels[key] === val));
  return found?.value ?? 0;
}

async function until(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
}

t.test('GET /healthz answers 200 while the process is up', async (t) => {
  const answer = await operations(server).get('/healthz');
  t.equal(answer.status, 200);
  t.same(answer.body, { status: 'ok' });
  t.match(answer.headers.get('content-type'), /^application\/json/);
  t.equal(answer.headers.get('cache-control'), 'no-store');
});

t.test('GET /readyz answers 200 when the store answers and the dispatcher runs', async (t) => {
  const answer = await operations(server).get('/readyz');
  t.equal(answer.status, 200);
  t.same(answer.body, { status: 'ready', checks: { store: 'ok', dispatcher: 'ok' } });
});

t.test('GET /metrics counts and times requests by interaction and status, store operations and validation failures', async (t) => {
  const before = await scrape();
  const created = await fhir.post('/Patient', { resourceType: 'Patient', name: [{ family: 'Иванов' }] });
  t.equal(created.status, 201);
  t.equal((await fhir.get(`/Patient/${created.body.id}`)).status, 200);
  t.equal((await fhir.get('/Patient/no-such-patient')).status, 404);
  t.equal((await fhir.get('/Patient?family=Иванов')).status, 200);
  t.equal((await fhir.post('/Patient', { resourceType: 'Patient', gender: 'banana' })).status, 422);

  const answer = await operations(server).get('/metrics', { headers: { accept: 'text/plain' } });
  t.equal(answer.status, 200, 'a scraper asking for plain text is not refused as a FHIR client would be');
  t.match(answer.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const after = parseExposition(answer.text);
  const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);

  t.equal(delta('fhir_http_requests_total', { interaction: 'create', status: '201' }), 1);
  t.equal(delta('fhir_http_requests_total', { interaction: 'read', status: '200' }), 1);
  t.equal(delta('fhir_http_requests_total', { interaction: 'read', status: '404' }), 1);
  t.equal(delta('fhir_http_requests_total', { interaction: 'search-type', status: '200' }), 1);
  t.equal(delta('fhir_http_requests_total', { interaction: 'create', status: '422' }), 1);
  t.equal(delta('fhir_validation_failures_total', { resource_type: 'Patient' }), 1, 'the 422 counts as a validation failure');

  t.equal(delta('fhir_http_request_duration_seconds_count', { interaction: 'read' }), 2, 'both reads are timed');
  t.equal(delta('fhir_http_request_duration_seconds_bucket', { interaction: 'read', le: '+Inf' }), 2);
  t.ok(valueOf(after, 'fhir_http_request_duration_seconds_sum', { interaction: 'create' }) > 0);
  t.notOk(after.some((s) => s.name === 'fhir_http_requests_total' && s.labels.interaction === undefined), 'every request has its interaction');

  t.ok(delta('fhir_store_operation_duration_seconds_count', { operation: 'transaction' }) >= 1, 'the create is a timed store transaction');
  t.ok(delta('fhir_store_operation_duration_seconds_count', { operation: 'findOne' }) >= 2, 'the reads are timed store lookups');
  t.ok(valueOf(after, 'fhir_store_operation_duration_seconds_sum', { operation: 'transaction' }) > 0);
  t.ok(after.some((s) => s.name === 'fhir_outbox_pending'), 'the outbox depth is reported');
  t.ok(after.some((s) => s.name === 'process_cpu_user_seconds_total'), 'with the process metrics');
  t.equal(delta('fhir_http_requests_total', { interaction: 'operation' }), 0, 'the scrape itself is not a FHIR request');
});

t.test('the outbox depth and delivery results: a refused notification is a retry, its event stays pending', async (t) => {
  const endpoint = await captureEndpoint();
  t.teardown(() => endpoint.close());
  endpoint.answer = (_n, bundle) => (describeNotification(bundle).type === 'event-notification' ? 503 : 200);
  await fhir.put('/Organization/lab1', { resourceType: 'Organization', id: 'lab1', name: 'Лаборатория' });
  await fhir.put('/Patient/outbox-patient', { resourceType: 'Patient', id: 'outbox-patient' });
  await fhir.post('/Consent', cabinetConsent('outbox-patient'));
  const subscription = await fhir.post('/Subscription', {
    resourceType: 'Subscription', status: 'requested', reason: 'metrics', criteria: 'DiagnosticReport?patient=Patient/outbox-patient',
    channel: { type: 'rest-hook', endpoint: endpoint.url, payload: 'application/fhir+json' },
  });
  t.equal(subscription.status, 201);
  const before = await scrape();
  t.equal(valueOf(before, 'fhir_outbox_pending'), 0);
  t.equal(valueOf(before, 'fhir_outbox_deliveries_total', { result: 'retry' }), 0);
  t.equal((await fhir.post('/DiagnosticReport', labReport('outbox-patient'))).status, 201);

  let samples = before;
  await until(async () => valueOf(samples = await scrape(), 'fhir_outbox_deliveries_total', { result: 'retry' }) >= 1);
  t.equal(valueOf(samples, 'fhir_outbox_deliveries_total', { result: 'retry' }), 1, 'the refused delivery is counted as a retry');
  t.equal(valueOf(samples, 'fhir_outbox_deliveries_total', { result: 'delivered' }), 0);
  t.equal(valueOf(samples, 'fhir_outbox_pending'), 1, 'its event waits in the outbox');
});

t.test('GET /readyz answers 503 naming the store when the store is closed; /healthz still 200', async (t) => {
  const broken = await startServer();
  // with its store gone, the app's own closing fails (the dispatcher cannot release its leases): only the files are left to remove
  t.teardown(() => broken.close().catch(() => rmSync(broken.dataDir, { recursive: true, force: true })));
  t.equal((await operations(broken).get('/readyz')).status, 200);
  await broken.store.close();
  const answer = await operations(broken).get('/readyz');
  t.equal(answer.status, 503);
  t.same(answer.body, { status: 'not ready', notReady: ['store'], checks: { store: 'unavailable', dispatcher: 'ok' } });
  t.equal((await operations(broken).get('/healthz')).status, 200, 'the process itself is alive');
  t.equal((await operations(broken).get('/metrics')).status, 200, 'metrics are still scraped, the outbox count left as it was');
});

t.test('with authentication on, the operations endpoints need no token and are not rate limited; /fhir does', async (t) => {
  const issuer = await testIssuer();
  t.teardown(() => issuer.remove());
  const secured = await startServer({ auth: issuer.authSettings, rateLimit: { max: 2, windowMs: 60_000 } });
  t.teardown(() => secured.close());
  const anonymous = operations(secured);
  for (let i = 0; i < 3; i++) {
    t.equal((await anonymous.get('/healthz')).status, 200, `/healthz, call ${i + 1}`);
    t.equal((await anonymous.get('/readyz')).status, 200, `/readyz, call ${i + 1}`);
    t.equal((await anonymous.get('/metrics')).status, 200, `/metrics, call ${i + 1}`);
  }
  const refused = await client(secured.base).get('/Patient');
  t.equal(refused.status, 401);
  t.equal(refused.headers.get('www-authenticate'), 'Bearer realm="fhir"');
  const samples = parseExposition((await anonymous.get('/metrics')).text);
  t.equal(valueOf(samples, 'fhir_http_requests_total', { interaction: 'search-type', status: '401' }), 1, 'the refusal is counted');
});
