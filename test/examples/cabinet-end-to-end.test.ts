/**
 * The server and the reference patient cabinet together, over real HTTP: laboratory results written
 * to the server reach the cabinet as signed notifications, the cabinet verifies them against the
 * server's own signing certificate, and the patient sees them on the cabinet's page.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { CodeableConcept, Consent, Observation, Parameters, ParametersParameter } from 'fhir/r4.js';
import t from 'tap';
import { CabinetStore, type SubscriptionReport } from '../../examples/patient-cabinet/cabinet-store.js';
import { buildReceiver } from '../../examples/patient-cabinet/receiver.js';
import { loadConfig } from '../../src/config.js';
import { client } from '../support/fhir-client.js';
import { startServer } from '../support/server.js';
import { browserSkip, launchChromium } from '../support/chromium.js';
import { cabinetConsent } from '../support/cabinet-fixtures.js';

const PATIENT = 'cabinet-patient';

const server = await startServer({ subscriptions: { ...loadConfig({}).subscriptions, retryBaseMs: 40, retryMaxMs: 200, timeoutSeconds: 2, leaseSeconds: 5 } });
t.teardown(() => server.close());
const fhir = client(server.base);
const signingCertificate = new X509Certificate(readFileSync(join(server.dataDir, 'signing', 'development-certificate.pem')));

const store = CabinetStore.open();
const receiver = buildReceiver({ trustAnchors: [signingCertificate], store });
const cabinetBase = await receiver.listen({ port: 0, host: '127.0.0.1' });
t.teardown(() => receiver.close());

const HEMOGLOBIN: CodeableConcept = { coding: [{ system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood' }], text: 'Гемоглобин' };

interface Measurement {
  value: number;
  effective: string;
}

/** Written out of time order: the cabinet has to order them itself. */
const FINAL_RESULTS: Measurement[] = [
  { value: 131, effective: '2026-09-14T08:30:00+03:00' },
  { value: 124.5, effective: '2026-07-02T09:10:00+03:00' },
  { value: 142, effective: '2026-10-20T07:55:00+03:00' },
  { value: 118, effective: '2026-08-05T08:00:00+03:00' },
];
/** The newest of all: were it delivered, it would top the page and end the trend. */
const PRELIMINARY_RESULT: Measurement = { value: 97, effective: '2026-11-01T08:15:00+03:00' };

const EXPECTED_ROWS = [
  '|20.10.2026 07:55|Гемоглобин|(Показатель)|142 г/л|окончательный|',
  '|14.09.2026 08:30|Гемоглобин|(Показатель)|131 г/л|окончательный|',
  '|05.08.2026 08:00|Гемоглобин|(Показатель)|118 г/л|окончательный|',
  '|02.07.2026 09:10|Гемоглобин|(Показатель)|124,5 г/л|окончательный|',
];
const TREND_IN_TIME_ORDER = ['124.5', '118', '131', '142'];

function observation(status: Observation['status'], { value, effective }: Measurement): Observation {
  return {
    resourceType: 'Observation', status,
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: HEMOGLOBIN, subject: { reference: `Patient/${PATIENT}` }, performer: [{ reference: 'Organization/lab1' }],
    effectiveDateTime: effective, valueQuantity: { value, unit: 'г/л', system: 'http://unitsofmeasure.org', code: 'g/L' },
  };
}

async function created(path: string, resource: object): Promise<string> {
  const answer = await fhir.post(path, resource);
  if (answer.status !== 201) throw new Error(`POST ${path}: ${answer.status} ${answer.text}`);
  return answer.body.id;
}

async function cabinetStatus(): Promise<Record<string, SubscriptionReport>> {
  return await (await fetch(`${cabinetBase}/status`)).json() as Record<string, SubscriptionReport>;
}

/** The cabinet's record of our subscription, whatever base the server wrote its reference with. */
async function cabinetRecordOf(subscriptionId: string): Promise<SubscriptionReport | undefined> {
  const entries = Object.entries(await cabinetStatus());
  return entries.find(([reference]) => reference.endsWith(`Subscription/${subscriptionId}`))?.[1];
}

async function waitUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function partOf(parameter: ParametersParameter | undefined, name: string): ParametersParameter | undefined {
  return parameter?.part?.find((part) => part.name === name);
}

async function deliveriesOf(observationId: string): Promise<ParametersParameter[]> {
  const answer = await fhir.get(`/Observation/${observationId}/$delivery-status`);
  return ((answer.body as Parameters).parameter ?? []).filter((parameter) => parameter.name === 'delivery');
}

function rowsOf(html: string): string[] {
  return [...html.matchAll(/<tr data-testid="result"[^>]*>([\s\S]*?)<\/tr>/g)].map((row) => row[1]!.replace(/<[^>]+>/g, '|').replace(/\s*\|+\s*/g, '|'));
}

function trendValuesOf(html: string): string[] {
  return [...html.matchAll(/<circle [^>]*data-value="([^"]*)"/g)].map((match) => match[1]!);
}

await fhir.put('/Organization/lab1', { resourceType: 'Organization', id: 'lab1', name: 'Лаборатория' });
await fhir.put(`/Patient/${PATIENT}`, { resourceType: 'Patient', id: PATIENT, name: [{ family: 'Петрова', given: ['Анна'] }] });
await created('/Consent', cabinetConsent(PATIENT, ['Observation']));
const subscriptionId = await created('/Subscription', {
  resourceType: 'Subscription', status: 'requested', reason: 'Результаты анализов в личный кабинет',
  criteria: `Observation?patient=Patient/${PATIENT}`,
  channel: { type: 'rest-hook', endpoint: `${cabinetBase}/notifications`, payload: 'application/fhir+json' },
});
// The preliminary result goes in the middle, so the final ones after it show that delivery went past it.
const finalIds: string[] = [];
for (const result of FINAL_RESULTS.slice(0, 2)) finalIds.push(await created('/Observation', observation('final', result)));
const preliminaryId = await created('/Observation', observation('preliminary', PRELIMINARY_RESULT));
for (const result of FINAL_RESULTS.slice(2)) finalIds.push(await created('/Observation', observation('final', result)));
const eventCount = FINAL_RESULTS.length;

t.test('every final result reaches the cabinet in event order, and the cabinet accepts each signed notification', async (t) => {
  const record = await waitUntil(() => cabinetRecordOf(subscriptionId), (found) => (found?.lastEventNumber ?? 0) >= eventCount);
  t.same(record, { lastEventNumber: eventCount, missing: [], duplicates: 0, received: eventCount, idOnlyFocus: [] }, `events 1..${eventCount}, none missing`);

  for (const [index, id] of finalIds.entries()) {
    const [delivery] = await waitUntil(() => deliveriesOf(id), (found) => partOf(found[0], 'status')?.valueCode === 'delivered');
    t.equal(partOf(delivery, 'status')?.valueCode, 'delivered', `Observation/${id} delivered`);
    t.equal(partOf(delivery, 'eventNumber')?.valueInteger, index + 1, `Observation/${id} is event ${index + 1}`);
    const answers = (delivery?.part ?? []).filter((part) => part.name === 'attempt').map((attempt) => partOf(attempt, 'httpStatus')?.valueInteger);
    t.same(answers, [200], `the cabinet verified the signature of Observation/${id}'s notification at the first attempt`);
  }

  const status = (await fhir.get(`/Subscription/${subscriptionId}/$status`)).body as Parameters;
  const value = (name: string) => status.parameter?.find((parameter) => parameter.name === name);
  t.equal(value('status')?.valueCode, 'active');
  t.equal(value('events-since-subscription-start')?.valueString, String(eventCount));
  t.same(['delivered', 'pending', 'failed', 'blocked'].map((name) => value(name)?.valueInteger), [eventCount, 0, 0, 1]);
});

t.test('the preliminary result is held back and never reaches the cabinet', async (t) => {
  await waitUntil(() => cabinetRecordOf(subscriptionId), (found) => (found?.lastEventNumber ?? 0) >= eventCount);
  const [held] = await deliveriesOf(preliminaryId);
  t.equal(partOf(held, 'status')?.valueCode, 'blocked');
  t.equal(partOf(held, 'reason')?.valueCode, 'not-final');
  t.notOk(partOf(held, 'eventNumber'), 'it used no event number');
  t.same(store.resultsOf(PATIENT).map((result) => result.id).sort(), [...finalIds].sort(), 'the cabinet holds the final results only');
});

t.test("the patient's page lists the final results newest first and charts them in time order", async (t) => {
  await waitUntil(() => cabinetRecordOf(subscriptionId), (found) => (found?.lastEventNumber ?? 0) >= eventCount);
  const response = await fetch(`${cabinetBase}/patients/${PATIENT}`);
  t.equal(response.status, 200);
  const html = await response.text();
  t.same(rowsOf(html), EXPECTED_ROWS);
  t.match(html, /<svg [^>]*data-testid="trend" data-code="718-7"/);
  t.same(trendValuesOf(html), TREND_IN_TIME_ORDER, 'one point per final value, oldest first');
});


t.test("the patient's page in Chromium", { skip: browserSkip }, async (t) => {
  await waitUntil(() => cabinetRecordOf(subscriptionId), (found) => (found?.lastEventNumber ?? 0) >= eventCount);
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`${cabinetBase}/patients/${PATIENT}`);

  const cells = await page.locator('[data-testid="result"]').evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')));
  t.same(cells.map((row) => `|${row.join('|')}|`.replace(' (', '|(')), EXPECTED_ROWS, 'the final results, newest first');

  const points = await page.locator('[data-testid="trend"] circle').evaluateAll((circles) => circles.map((circle) => ({
    value: circle.getAttribute('data-value'), x: circle.getBoundingClientRect().x,
  })));
  t.same(points.map((point) => point.value), TREND_IN_TIME_ORDER, 'one point per final value, oldest first');
  t.ok(points.every((point, i) => i === 0 || points[i - 1]!.x < point.x), 'drawn left to right in time');
  t.ok(await page.locator('[data-testid="trend"]').isVisible(), 'the chart is shown');
});
