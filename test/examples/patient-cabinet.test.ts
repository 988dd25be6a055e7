import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Bundle, CodeableConcept, DiagnosticReport, Observation } from 'fhir/r4.js';
import t, { type Test } from 'tap';
import { CabinetStore } from '../../examples/patient-cabinet/cabinet-store.js';
import { buildReceiver } from '../../examples/patient-cabinet/receiver.js';
import { signBundle, type SignatureFormat } from '../../src/services/signing/bundle-signature.js';
import type { KeySigner } from '../../src/services/signing/signer.js';
import { notificationBundle, type NotificationType, type PayloadContent } from '../../src/services/subscriptions/notification-bundle.js';
import { testPki } from '../support/test-pki.js';
import { browserSkip, launchChromium } from '../support/chromium.js';

const pki = await testPki();
const serverSigner = pki.signerFor(pki.ecLeaf);
const BASE_URL = 'https://fhir.example.ru/fhir';
const SUBSCRIPTION = `${BASE_URL}/Subscription/lab-results`;
const MAIN = new URL('../../examples/patient-cabinet/main.ts', import.meta.url).pathname;

const HEMOGLOBIN: CodeableConcept = { coding: [{ system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood' }], text: 'Гемоглобин' };
const GLUCOSE: CodeableConcept = { coding: [{ system: 'http://loinc.org', code: '2345-7', display: 'Глюкоза в сыворотке крови' }] };
const BLOOD_PANEL: CodeableConcept = { coding: [{ system: 'http://loinc.org', code: '58410-2', display: 'Общий анализ крови' }] };

type LabResult = Observation | DiagnosticReport;

function observation(id: string, code: CodeableConcept, value: number, unit: string, time: string, options: { patient?: string; version?: number } = {}): Observation {
  return {
    resourceType: 'Observation', id, meta: { versionId: String(options.version ?? 1) }, status: 'final', code,
    subject: { reference: `Patient/${options.patient ?? 'p1'}` }, effectiveDateTime: time, valueQuantity: { value, unit },
  };
}

function report(id: string, time: string, conclusion: string): DiagnosticReport {
  return { resourceType: 'DiagnosticReport', id, meta: { versionId: '1' }, status: 'final', code: BLOOD_PANEL, subject: { reference: 'Patient/p1' }, effectiveDateTime: time, conclusion };
}

interface EventSpec {
  number: number;
  resource: LabResult;
}

interface NotificationSpec {
  payload?: PayloadContent;
  type?: NotificationType;
  eventsSinceSubscriptionStart?: number;
}

function notification(events: EventSpec[], spec: NotificationSpec = {}): Bundle {
  return notificationBundle({
    baseUrl: BASE_URL,
    subscriptionId: 'lab-results',
    status: 'active',
    type: spec.type ?? 'event-notification',
    eventsSinceSubscriptionStart: spec.eventsSinceSubscriptionStart ?? Math.max(0, ...events.map((event) => event.number)),
    payload: spec.payload ?? 'full-resource',
    events: events.map(({ number, resource }) => ({
      eventNumber: number,
      timestamp: new Date(),
      focus: { type: resource.resourceType, id: resource.id!, versionId: Number(resource.meta?.versionId ?? 1) },
      // A copy: tests change what they send without touching the shared history.
      resource: structuredClone(resource),
    })),
  });
}

function signed(bundle: Bundle, format: SignatureFormat = 'jws', signer: KeySigner = serverSigner): Bundle {
  return signBundle(bundle, signer, { format });
}

interface PostAnswer {
  status: number;
  body: { newEvents?: number[]; duplicates?: number[]; missing?: number[]; reason?: string; code?: string };
}

interface SubscriptionStatus {
  lastEventNumber: number;
  missing: number[];
  duplicates: number;
  received: number;
  idOnlyFocus: string[];
}

class Cabinet {
  constructor(readonly base: string) {}

  async post(bundle: unknown, contentType = 'application/fhir+json'): Promise<PostAnswer> {
    const response = await fetch(`${this.base}/notifications`, { method: 'POST', headers: { 'content-type': contentType }, body: JSON.stringify(bundle) });
    return { status: response.status, body: await response.json() as PostAnswer['body'] };
  }

  async send(events: EventSpec[], spec: NotificationSpec = {}): Promise<PostAnswer> {
    return this.post(signed(notification(events, spec)));
  }

  async status(): Promise<Record<string, SubscriptionStatus>> {
    return await (await fetch(`${this.base}/status`)).json() as Record<string, SubscriptionStatus>;
  }

  async page(patientId: string, code?: string): Promise<{ status: number; headers: Headers; html: string }> {
    const response = await fetch(`${this.base}/patients/${patientId}${code ? `?code=${encodeURIComponent(code)}` : ''}`);
    return { status: response.status, headers: response.headers, html: await response.text() };
  }
}

async function startCabinet(t: Test, store = CabinetStore.open()): Promise<Cabinet> {
  const app = buildReceiver({ trustAnchors: [pki.root.certificate], store });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => app.close());
  return new Cabinet(base);
}

function scratchDirectory(t: Test): string {
  const directory = mkdtempSync(join(tmpdir(), 'patient-cabinet-'));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

function rowsOf(html: string): string[] {
  return [...html.matchAll(/<tr data-testid="result"[^>]*>([\s\S]*?)<\/tr>/g)].map((row) => row[1]!.replace(/<[^>]+>/g, '|').replace(/\s*\|+\s*/g, '|'));
}

function trendValuesOf(html: string): string[] {
  return [...html.matchAll(/<circle [^>]*data-value="([^"]*)"/g)].map((match) => match[1]!);
}

/** Events sent out of time order: the page must order them itself. */
const labHistory: EventSpec[] = [
  { number: 1, resource: observation('hb-2', HEMOGLOBIN, 135, 'г/л', '2026-03-15T08:00:00+03:00') },
  { number: 2, resource: observation('glu-1', GLUCOSE, 5.4, 'ммоль/л', '2026-03-15T08:10:00+03:00') },
  { number: 3, resource: observation('hb-1', HEMOGLOBIN, 128, 'г/л', '2026-01-10T09:00:00+03:00') },
  { number: 4, resource: report('cbc-1', '2026-06-02T11:00:00+03:00', 'Без патологии') },
  { number: 5, resource: observation('hb-3', HEMOGLOBIN, 121.5, 'г/л', '2026-06-01T07:45:00+03:00') },
];

const expectedRows = [
  '|02.06.2026 11:00|Общий анализ крови|(Заключение)|Без патологии|окончательный|',
  '|01.06.2026 07:45|Гемоглобин|(Показатель)|121,5 г/л|окончательный|',
  '|15.03.2026 08:10|Глюкоза в сыворотке крови|(Показатель)|5,4 ммоль/л|окончательный|',
  '|15.03.2026 08:00|Гемоглобин|(Показатель)|135 г/л|окончательный|',
  '|10.01.2026 09:00|Гемоглобин|(Показатель)|128 г/л|окончательный|',
];

for (const format of ['jws', 'cms'] as const) {
  t.test(`a notification signed as ${format} is accepted and its result stored`, async (t) => {
    const cabinet = await startCabinet(t);
    const answer = await cabinet.post(signed(notification([labHistory[0]!]), format));
    t.equal(answer.status, 200);
    t.same(answer.body, { newEvents: [1], duplicates: [], missing: [] });
    t.same(await cabinet.status(), { [SUBSCRIPTION]: { lastEventNumber: 1, missing: [], duplicates: 0, received: 1, idOnlyFocus: [] } });
    t.same(rowsOf((await cabinet.page('p1')).html), ['|15.03.2026 08:00|Гемоглобин|(Показатель)|135 г/л|окончательный|']);
  });
}

t.test('both JSON media types are read; any other is refused', async (t) => {
  const cabinet = await startCabinet(t);
  t.equal((await cabinet.post(signed(notification([labHistory[0]!])), 'application/json')).status, 200);
  t.equal((await cabinet.post(signed(notification([labHistory[1]!])), 'application/fhir+json; charset=utf-8')).status, 200);
  const response = await fetch(`${cabinet.base}/notifications`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(signed(notification([labHistory[2]!]))) });
  t.equal(response.status, 415);
  t.equal((await cabinet.status())[SUBSCRIPTION]?.received, 2);
});

t.test('Bundles without a good signature are refused with the reason and leave nothing behind', async (t) => {
  const cabinet = await startCabinet(t);
  const tampered = signed(notification([labHistory[0]!]), 'cms');
  (tampered.entry![1]!.resource as Observation).valueQuantity!.value = 153;
  const refusals: [string, Bundle, string][] = [
    ['unsigned', notification([labHistory[0]!]), 'FHIR_ERR_SIGNATURE_MISSING'],
    ['tampered', tampered, 'FHIR_ERR_SIGNATURE_CONTENT_CHANGED'],
    ['signed under an untrusted CA', signed(notification([labHistory[0]!]), 'jws', pki.signerFor(pki.untrustedLeaf, pki.untrustedRoot)), 'FHIR_ERR_SIGNATURE_UNTRUSTED'],
  ];
  for (const [what, bundle, code] of refusals) {
    const answer = await cabinet.post(bundle);
    t.equal(answer.status, 400, `${what}: 400`);
    t.equal(answer.body.code, code, `${what}: ${code}`);
    t.type(answer.body.reason, 'string', `${what}: a reason`);
    t.ok(answer.body.reason!.length > 0, `${what}: the reason says something`);
  }
  t.same(await cabinet.status(), {}, 'no subscription recorded');
  t.equal((await cabinet.page('p1')).status, 404, 'no result stored');
});

t.test('a signed Bundle that is not a notification is refused', async (t) => {
  const cabinet = await startCabinet(t);
  const collection = signed({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: labHistory[0]!.resource }] });
  const answer = await cabinet.post(collection);
  t.equal(answer.status, 400);
  t.match(answer.body.reason, /history Bundle/);
  const mismatched = notification([labHistory[0]!]);
  mismatched.entry![1]!.resource = labHistory[1]!.resource;
  const mismatch = await cabinet.post(signed(mismatched));
  t.equal(mismatch.status, 400);
  t.match(mismatch.body.reason, /Bundle\.entry\[1\] is not Observation\/hb-2/);
  t.equal((await cabinet.post({ resourceType: 'Patient' })).status, 400);
  t.same(await cabinet.status(), {});
});

t.test('a skipped event number is missing until it arrives', async (t) => {
  const cabinet = await startCabinet(t);
  for (const event of [labHistory[0]!, labHistory[1]!, labHistory[3]!]) t.equal((await cabinet.send([event])).status, 200);
  t.same((await cabinet.status())[SUBSCRIPTION], { lastEventNumber: 4, missing: [3], duplicates: 0, received: 3, idOnlyFocus: [] });
  const late = await cabinet.send([labHistory[2]!], { eventsSinceSubscriptionStart: 4 });
  t.same(late.body, { newEvents: [3], duplicates: [], missing: [] });
  t.same((await cabinet.status())[SUBSCRIPTION], { lastEventNumber: 4, missing: [], duplicates: 0, received: 4, idOnlyFocus: [] });
});

t.test('a heartbeat announcing more events than arrived makes the rest missing', async (t) => {
  const cabinet = await startCabinet(t);
  await cabinet.send([labHistory[0]!]);
  const heartbeat = await cabinet.send([], { type: 'heartbeat', eventsSinceSubscriptionStart: 3 });
  t.same(heartbeat.body, { newEvents: [], duplicates: [], missing: [2, 3] });
  t.same((await cabinet.status())[SUBSCRIPTION]?.missing, [2, 3]);
  t.equal((await cabinet.status())[SUBSCRIPTION]?.lastEventNumber, 1);
});

t.test('an event number seen again is counted as a duplicate and not stored twice', async (t) => {
  const cabinet = await startCabinet(t);
  await cabinet.send([labHistory[0]!, labHistory[1]!]);
  const again = await cabinet.send([labHistory[1]!, labHistory[2]!]);
  t.same(again.body, { newEvents: [3], duplicates: [2], missing: [] });
  await cabinet.send([labHistory[0]!]);
  t.same((await cabinet.status())[SUBSCRIPTION], { lastEventNumber: 3, missing: [], duplicates: 2, received: 3, idOnlyFocus: [] });
  t.equal(rowsOf((await cabinet.page('p1')).html).length, 3);
});

t.test('a later version of a result replaces the earlier one, not the other way round', async (t) => {
  const cabinet = await startCabinet(t);
  const corrected = { ...observation('hb-2', HEMOGLOBIN, 138, 'г/л', '2026-03-15T08:00:00+03:00', { version: 2 }), status: 'corrected' as const };
  await cabinet.send([{ number: 2, resource: corrected }]);
  await cabinet.send([labHistory[0]!]);
  t.same(rowsOf((await cabinet.page('p1')).html), ['|15.03.2026 08:00|Гемоглобин|(Показатель)|138 г/л|исправлен|']);
});

t.test('id-only notifications count their events and list the focus to fetch', async (t) => {
  const cabinet = await startCabinet(t);
  const answer = await cabinet.send([labHistory[0]!, labHistory[3]!], { payload: 'id-only', eventsSinceSubscriptionStart: 4 });
  t.equal(answer.status, 200);
  t.same(answer.body, { newEvents: [1, 4], duplicates: [], missing: [2, 3] });
  t.same((await cabinet.status())[SUBSCRIPTION], { lastEventNumber: 4, missing: [2, 3], duplicates: 0, received: 2, idOnlyFocus: ['Observation/hb-2', 'DiagnosticReport/cbc-1'] });
  t.equal((await cabinet.page('p1')).status, 404, 'no resource to show');
});

t.test("the patient's page lists results newest first and charts the most frequent test", async (t) => {
  const cabinet = await startCabinet(t);
  await cabinet.send(labHistory);
  await cabinet.send([{ number: 6, resource: observation('hb-other', HEMOGLOBIN, 99, 'г/л', '2026-02-01T08:00:00+03:00', { patient: 'p2' }) }]);
  const page = await cabinet.page('p1');
  t.equal(page.status, 200);
  t.match(page.headers.get('content-type'), /^text\/html; charset=utf-8/);
  t.match(page.headers.get('content-security-policy'), /default-src 'none'/);
  t.same(rowsOf(page.html), expectedRows);
  t.match(page.html, /<svg [^>]*data-testid="trend" data-code="718-7"/);
  t.same(trendValuesOf(page.html), ['128', '135', '121.5'], 'hemoglobin, oldest first');
  t.same(trendValuesOf((await cabinet.page('p1', '2345-7')).html), ['5.4'], 'glucose on request');
  t.same(trendValuesOf((await cabinet.page('p2')).html), ['99'], "another patient's own values");
  t.notMatch(page.html, /<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'nothing external, no script');
});

t.test('text from a notification is escaped on the page', async (t) => {
  const cabinet = await startCabinet(t);
  const hostile = observation('x-1', { text: '<script>alert(1)</script>', coding: [{ code: '"><img src=x>' }] }, 1, '<b>u</b>', '2026-01-01');
  await cabinet.send([{ number: 1, resource: hostile }]);
  const { html } = await cabinet.page('p1');
  t.notMatch(html, /<script|<img|<b>/);
  t.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  t.match(html, /data-code="&quot;&gt;&lt;img src=x&gt;"/);
});

t.test('the store keeps what arrived in its data file', async (t) => {
  const dataFile = join(scratchDirectory(t), 'cabinet.json');
  const first = await startCabinet(t, CabinetStore.open(dataFile));
  await first.send([labHistory[0]!, labHistory[1]!, labHistory[3]!]);
  await first.send([labHistory[0]!]);
  t.ok(existsSync(dataFile));
  const reopened = CabinetStore.open(dataFile);
  t.same(reopened.status(), { [SUBSCRIPTION]: { lastEventNumber: 4, missing: [3], duplicates: 1, received: 3, idOnlyFocus: [] } });
  t.same(reopened.resultsOf('p1').map((result) => result.id).sort(), ['cbc-1', 'glu-1', 'hb-2']);
  const second = await startCabinet(t, reopened);
  t.same((await second.send([labHistory[2]!], { eventsSinceSubscriptionStart: 4 })).body, { newEvents: [3], duplicates: [], missing: [] });
  t.same(CabinetStore.open(dataFile).status()[SUBSCRIPTION]?.missing, []);
});

async function spawnCabinet(env: Record<string, string>): Promise<{ base: string; child: ChildProcess; stop(): Promise<unknown> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk) => stderr.push(String(chunk)));
  const exited = once(child, 'exit');
  const base = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the cabinet exited with ${code}: ${stderr.join('')}`)));
  });
  return { base, child, stop: () => (child.kill('SIGTERM'), exited) };
}

t.test('main.ts runs the cabinet from TRUST_CERT, PORT and DATA_FILE and keeps its data across restarts', async (t) => {
  const directory = scratchDirectory(t);
  const trustCert = join(directory, 'trust.pem');
  writeFileSync(trustCert, pki.root.certificate.toString());
  const env = { TRUST_CERT: trustCert, DATA_FILE: join(directory, 'cabinet.json') };
  const first = await spawnCabinet(env);
  t.teardown(() => first.child.kill('SIGKILL'));
  t.same((await new Cabinet(first.base).send([labHistory[0]!, labHistory[2]!])).body, { newEvents: [1, 3], duplicates: [], missing: [2] });
  await first.stop();
  const second = await spawnCabinet(env);
  t.teardown(() => second.child.kill('SIGKILL'));
  const cabinet = new Cabinet(second.base);
  t.same((await cabinet.status())[SUBSCRIPTION]?.missing, [2]);
  t.equal(rowsOf((await cabinet.page('p1')).html).length, 2);
  await second.stop();
});

t.test('main.ts without TRUST_CERT says so and exits', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...process.env, PORT: '0', TRUST_CERT: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk) => stderr.push(String(chunk)));
  const [code] = await once(child, 'exit');
  t.equal(code, 1);
  t.match(stderr.join(''), /TRUST_CERT/);
});


t.test("the patient's page in Chromium", { skip: browserSkip }, async (t) => {
  const cabinet = await startCabinet(t);
  await cabinet.send(labHistory);
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') pageErrors.push(message.text()); });

  await page.goto(`${cabinet.base}/patients/p1`);
  const cells = await page.locator('[data-testid="result"]').evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')));
  t.same(cells.map((row) => `|${row.join('|')}|`.replace(' (', '|(')), expectedRows, 'results newest first');

  const points = () => page.locator('[data-testid="trend"] circle').evaluateAll((circles) => circles.map((circle) => {
    const box = circle.getBoundingClientRect();
    return { value: circle.getAttribute('data-value'), x: box.x, y: box.y };
  }));
  const hemoglobin = await points();
  t.same(hemoglobin.map((point) => point.value), ['128', '135', '121.5'], 'one point per hemoglobin value, oldest first');
  t.ok(hemoglobin[0]!.x < hemoglobin[1]!.x && hemoglobin[1]!.x < hemoglobin[2]!.x, 'drawn left to right in time');
  t.ok(hemoglobin[1]!.y < hemoglobin[0]!.y && hemoglobin[0]!.y < hemoglobin[2]!.y, 'higher values drawn higher');
  t.ok(await page.locator('[data-testid="trend"]').isVisible(), 'the chart is shown');

  await page.getByRole('link', { name: 'Глюкоза в сыворотке крови' }).click();
  await page.waitForURL(/code=2345-7/);
  t.same((await points()).map((point) => point.value), ['5.4'], 'the glucose trend after choosing it');

  t.same(requested.filter((url) => !url.startsWith(cabinet.base)), [], 'nothing requested from elsewhere');
  t.same(pageErrors, [], 'no errors in the page');
});
