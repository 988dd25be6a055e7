import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { AuditEvent, Bundle, Consent, DiagnosticReport, Parameters, ParametersParameter, Subscription } from 'fhir/r4.js';
import t from 'tap';
import { loadConfig, type SubscriptionSettings } from '../../src/config.js';
import { verifyBundleSignature } from '../../src/services/signing/signature-verification.js';
import { captureEndpoint, type CaptureEndpoint } from '../support/capture-endpoint.js';
import { client } from '../support/fhir-client.js';
import { startServer } from '../support/server.js';
import { cabinetConsent, labReport } from '../support/cabinet-fixtures.js';

const FAST: SubscriptionSettings = { ...loadConfig({}).subscriptions, retryBaseMs: 40, retryMaxMs: 200, retryHorizonSeconds: 3600, timeoutSeconds: 2, leaseSeconds: 5 };
const server = await startServer({ subscriptions: FAST });
t.teardown(() => server.close());
const fhir = client(server.base);
const serverCertificate = new X509Certificate(readFileSync(join(server.dataDir, 'signing', 'development-certificate.pem')));

let patients = 0;
async function newPatient(): Promise<string> {
  const id = `p${++patients}`;
  await fhir.put(`/Patient/${id}`, { resourceType: 'Patient', id });
  return id;
}
await fhir.put('/Organization/lab1', { resourceType: 'Organization', id: 'lab1', name: 'Лаборатория' });

async function subscribe(endpoint: CaptureEndpoint, patient: string, changes: Partial<Subscription> = {}): Promise<string> {
  const created = await fhir.post('/Subscription', {
    resourceType: 'Subscription', status: 'requested', reason: 'Результаты в личный кабинет',
    criteria: `DiagnosticReport?patient=Patient/${patient}`,
    channel: { type: 'rest-hook', endpoint: endpoint.url, payload: 'application/fhir+json', header: ['Authorization: Bearer cabinet-token'] },
    ...changes,
  });
  if (created.status !== 201) throw new Error(created.text);
  return created.body.id;
}

async function postReport(resource: DiagnosticReport): Promise<string> {
  const created = await fhir.post('/DiagnosticReport', resource);
  if (created.status !== 201) throw new Error(created.text);
  return created.body.id;
}

function part(parameter: ParametersParameter | undefined, name: string): ParametersParameter | undefined {
  return parameter?.part?.find((p) => p.name === name);
}

async function deliveries(reportId: string): Promise<ParametersParameter[]> {
  const answer = await fhir.get(`/DiagnosticReport/${reportId}/$delivery-status`);
  return ((answer.body as Parameters).parameter ?? []).filter((p) => p.name === 'delivery');
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    value = await probe();
  }
  return value;
}

t.test('a final result with active consent reaches the endpoint, signed, as a Backport IG notification', async (t) => {
  const endpoint = await captureEndpoint();
  t.teardown(() => endpoint.close());
  const patient = await newPatient();
  await fhir.post('/Consent', cabinetConsent(patient));
  const subscription = await subscribe(endpoint, patient);
  t.equal((await fhir.get(`/Subscription/${subscription}`)).body.status, 'active', 'requested becomes active');
  const reportId = await postReport(labReport(patient));

  const [received] = await endpoint.waitFor(1);
  t.ok(received, 'delivered');
  t.equal(received?.headers.authorization, 'Bearer cabinet-token', 'with the channel headers');
  const bundle = received!.bundle;
  t.equal(bundle.type, 'history');
  t.same(received?.eventNumbers, [1]);
  const status = bundle.entry![0]!.resource as Parameters;
  t.match(status.parameter?.find((p) => p.name === 'subscription')?.valueReference?.reference, new RegExp(`/Subscription/${subscription}$`));
  t.equal((bundle.entry![1]!.resource as DiagnosticReport).id, reportId, 'full-resource payload');
  t.equal(bundle.signature?.sigFormat, 'application/jose');
  t.equal(verifyBundleSignature(bundle, [serverCertificate]).valid, true, 'the signature verifies with the server certificate');

  const [delivery] = await until(() => deliveries(reportId), (d) => part(d[0], 'status')?.valueCode === 'delivered');
  t.equal(part(delivery, 'status')?.valueCode, 'delivered');
  t.equal(part(delivery, 'eventNumber')?.valueInteger, 1);
  t.equal(part(part(delivery, 'attempt'), 'httpStatus')?.valueInteger, 200);
});

t.test('id-only subscriptions carry the URL of the result, not the result', async (t) => {
  const endpoint = await captureEndpoint();
  t.teardown(() => endpoint.close());
  const patient = await newPatient();
  await fhir.post('/Consent', cabinetConsent(patient));
  await subscribe(endpoint, patient, { channel: { type: 'rest-hook', endpoint: endpoint.url } });
  const reportId = await postReport(labReport(patient));
  const [received] = await endpoint.waitFor(1);
  t.match(received?.bundle.entry?.[1]?.fullUrl, new RegExp(`/DiagnosticReport/${reportId}$`));
  t.equal(received?.bundle.entry?.[1]?.resource, undefined);
});

t.test('failed deliveries are retried with back-off, in event order', async (t) => {
  const endpoint = await captureEndpoint();
  t.teardown(() => endpoint.close());
  endpoint.answer = (n) => (n <= 3 ? 503 : 200);
  const patient = await newPatient();
  await fhir.post('/Consent', cabinetConsent(patient));
  await subscribe(endpoint, patient);
  const first = await postReport(labReport(patient, 'final', 'first'));
  await postReport(labReport(patient, 'final', 'second'));
  const received = await endpoint.waitFor(2);
  t.same(received.flatMap((r) => r.eventNumbers), [1, 2], 'event 2 waits for event 1');
  const [delivery] = await until(() => deliveries(first), (d) => part(d[0], 'status')?.valueCode === 'delivered');
  const attempts = delivery!.part!.filter((p) => p.name === 'attempt');
  t.same(attempts.map((a) => part(a, 'httpStatus')?.valueInteger), [503, 503, 503, 200], 'every attempt is recorded');
  const times = attempts.map((a) => Date.parse(part(a, 'time')!.valueInstant!));
  const gaps = times.slice(1).map((time, i) => time - times[i]!);
  t.ok(gaps.every((gap) => gap >= 15), `attempts are spaced by the back-off (${gaps.join(', ')} ms)`);
});

t.test('after the retry horizon the event fails and the subscription goes to error', async (t) => {
  const impatient = await startServer({ subscriptions: { ...FAST, retryHorizonSeconds: 1 } });
  t.teardown(() => impatient.close());
  const other = client(impatient.base);
  const endpoint = await captureEndpoint();
  t.teardown(() => endpoint.close());
  endpoint.answer = () => 500;
  await other.put('/Patient/px', { resourceType: 'Patient', id: 'px' });
  await other.put('/Organization/lab1', { resourceType: 'Organization', id: 'lab1', name: 'Лаборатория' });
  await other.post('/Consent', cabinetConsent('px'));
  const created = await other.post('/Subscription', { resourceType: 'Subscription', status: 'requested', reason: 'r', criteria: 'DiagnosticReport?patient=Patient/px', channel: { type: 'rest-hook', endpoint: endpoint.url } });
  await other.post('/DiagnosticReport', labReport('px'));
  const subscription = await until(() => other.get(`/Subscription/${created.body.id}`), (answer) => answer.body.status === 'error', 15_000);
  t.equal(subscription.body.status, 'error');
  t.match(subscription.body.error, /gave up after \d+ attempts.*HTTP 500/);
  const status = (await other.get(`/Subscription/${created.body.id}/$status`)).body as Parameters;
  t.equal(status.parameter?.find((p) => p.name === 'failed')?.valueInteger, 1);
  t.equal(status.parameter?.find((p) => p.name === 'status')?.valueCode, 'error');
});

t.test('consent: none blocks, granted delivers, revoked and expired stop what is undelivered', async (t) => {
  const endpoint = await captureEndpoint();
  t.teardown(() => endpoint.close());
  const patient = await newPatient();
  await subscribe(endpoint, patient);
  const withoutConsent = await postReport(labReport(patient, 'final', 'without consent'));
  const [blocked] = await deliveries(withoutConsent);
  t.equal(part(blocked, 'status')?.valueCode, 'blocked');
  t.equal(part(blocked, 'reason')?.valueCode, 'no-active-consent');
  t.match(part(blocked, 'detail')?.valueString, new RegExp(`Patient/${patient} has no active Consent`));

  const granted = await fhir.post('/Consent', cabinetConsent(patient));
  await postReport(labReport(patient, 'final', 'with consent'));
  t.equal((await endpoint.waitFor(1)).length, 1, 'delivered once consent is granted');

  endpoint.answer = () => 503; // the next one cannot be delivered yet...
  const waiting = await postReport(labReport(patient, 'final', 'waiting'));
  await until(() => deliveries(waiting), (d) => (d[0]?.part ?? []).filter((p) => p.name === 'attempt').length >= 1);
  await fhir.put(`/Consent/${granted.body.id}`, { ...cabinetConsent(patient), id: granted.body.id, status: 'rejected' }); // ...and the patient revokes
  endpoint.answer = () => 200;
  const [stopped] = await until(() => deliveries(waiting), (d) => part(d[0], 'status')?.valueCode !== 'pending');
  t.equal(part(stopped, 'status')?.valueCode, 'blocked', 'revocation stops the undelivered notification');
  t.equal(part(stopped, 'reason')?.valueCode, 'no-active-consent');
  t.equal(endpoint.events().length, 1, 'what was delivered stays, nothing more arrives');

  const expiredPatient = await newPatient();
  await fhir.post('/Consent', cabinetConsent(expiredPatient, ['DiagnosticReport'], { provision: { type: 'permit', period: { start: '2025-01-01', end: '2025-12-31' }, class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'DiagnosticReport' }] } }));
  await subscribe(endpoint, expiredPatient);
  const late = await postReport(labReport(expiredPatient));
  const [expired] = await deliveries(late);
  t.equal(part(expired, 'reason')?.valueCode, 'no-active-consent', 'an expired consent allows nothing');
});

t.test('results that are not final are held back; the final version goes', async (t) => {
  const endpoint = await captureEndpoint();
  t.teardown(() => endpoint.close());
  const patient = await newPatient();
  await fhir.post('/Consent', cabinetConsent(patient));
  await subscribe(endpoint, patient);
  const reportId = await postReport(labReport(patient, 'preliminary'));
  const [held] = await deliveries(reportId);
  t.equal(part(held, 'reason')?.valueCode, 'not-final');
  await fhir.put(`/DiagnosticReport/${reportId}`, { ...labReport(patient, 'final'), id: reportId });
  const [received] = await endpoint.waitFor(1);
  t.same(received?.eventNumbers, [1], 'the held-back version used no event number');
  t.equal((received?.bundle.entry?.[1]?.resource as DiagnosticReport).meta?.versionId, '2');
  t.equal(endpoint.events().length, 1);
});

t.test('a consent-exempt subscription (a clinic system) gets every matching version', async (t) => {
  const endpoint = await captureEndpoint();
  t.teardown(() => endpoint.close());
  const patient = await newPatient();
  await subscribe(endpoint, patient, { meta: { tag: [{ system: 'urn:egisz-fhir-server:subscription', code: 'consent-exempt' }] } });
  await postReport(labReport(patient, 'preliminary'));
  t.equal((await endpoint.waitFor(1)).length, 1, 'without consent and before it is final');
});

t.test('a subscription turned off blocks its matches, with the reason', async (t) => {
  const endpoint = await captureEndpoint();
  t.teardown(() => endpoint.close());
  const patient = await newPatient();
  await fhir.post('/Consent', cabinetConsent(patient));
  const subscription = await subscribe(endpoint, patient);
  const current = (await fhir.get(`/Subscription/${subscription}`)).body;
  await fhir.put(`/Subscription/${subscription}`, { ...current, status: 'off' });
  const reportId = await postReport(labReport(patient));
  const [blocked] = await deliveries(reportId);
  t.equal(part(blocked, 'reason')?.valueCode, 'subscription-off');
  await new Promise((r) => setTimeout(r, 300));
  t.equal(endpoint.received.length, 0);
});

t.test('heartbeats at the period the subscription asks for', async (t) => {
  const endpoint = await captureEndpoint();
  t.teardown(() => endpoint.close());
  const patient = await newPatient();
  await subscribe(endpoint, patient, { channel: { type: 'rest-hook', endpoint: endpoint.url, extension: [{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-heartbeat-period', valueUnsignedInt: 1 }] } });
  const heartbeats = await until(async () => endpoint.received.filter((r) => r.type === 'heartbeat'), (found) => found.length >= 2, 6000);
  t.ok(heartbeats.length >= 2, `${heartbeats.length} heartbeats`);
  t.equal(verifyBundleSignature(heartbeats[0]!.bundle as Bundle, [serverCertificate]).valid, true, 'heartbeats are signed too');
});

t.test('subscriptions the server cannot serve are refused', async (t) => {
  const base = { resourceType: 'Subscription', status: 'requested', reason: 'r', channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:9/x' } };
  for (const [what, body] of [
    ['unknown type', { ...base, criteria: 'Nonsense?x=1' }],
    ['unknown parameter', { ...base, criteria: 'DiagnosticReport?nonsense=1' }],
    ['websocket channel', { ...base, criteria: 'DiagnosticReport?status=final', channel: { type: 'websocket' } }],
    ['relative endpoint', { ...base, criteria: 'DiagnosticReport?status=final', channel: { type: 'rest-hook', endpoint: '/x' } }],
    ['xml payload', { ...base, criteria: 'DiagnosticReport?status=final', channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:9/x', payload: 'application/fhir+xml' } }],
  ] as const) {
    const answer = await fhir.post('/Subscription', body);
    t.equal(answer.status, 422, what);
    t.equal(answer.body.issue?.[0]?.details?.coding?.[0]?.code, 'FHIR_ERR_SUBSCRIPTION_INVALID', what);
  }
  t.equal((await fhir.get('/Patient/p1/$status')).status, 404, '$status is a Subscription operation');
  t.equal((await fhir.get('/DiagnosticReport/unknown/$delivery-status')).status, 404);
});

const EXPORT = encodeURIComponent('http://dicom.nema.org/resources/ontology/DCM|110106');

t.test('every delivery attempt is an AuditEvent: an export to the endpoint, with its outcome, the Subscription, the result and the patient', async (t) => {
  const endpoint = await captureEndpoint();
  t.teardown(() => endpoint.close());
  endpoint.answer = (n) => (n === 1 ? 503 : 200); // the first attempt is refused, the retry taken
  const patient = await newPatient();
  await fhir.post('/Consent', cabinetConsent(patient));
  const subscription = await subscribe(endpoint, patient);
  const reportId = await postReport(labReport(patient));
  await endpoint.waitFor(1);

  await fhir.get('/AuditEvent/$verify-chain'); // links what is recorded so far
  const found = await fhir.get(`/AuditEvent?entity=Subscription/${subscription}&type=${EXPORT}&_sort=date`);
  const events = (found.body as Bundle).entry!.map((entry) => entry.resource as AuditEvent);
  t.same(events.map((event) => event.outcome), ['8', '0'], 'the refused attempt, then the delivery');
  t.equal(events[0]!.outcomeDesc, 'HTTP 503');
  for (const event of events) {
    t.match(event.type, { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110106' });
    t.equal(event.action, 'R');
    t.match(event.agent.find((agent) => agent.network)?.network, { address: endpoint.url, type: '5' }, 'the endpoint is the destination');
    t.same(event.entity!.map((entity) => entity.what?.reference), [`Subscription/${subscription}`, `DiagnosticReport/${reportId}/_history/1`, `Patient/${patient}`]);
  }
  const byPatient = await fhir.get(`/AuditEvent?patient=Patient/${patient}&type=${EXPORT}`);
  t.equal((byPatient.body as Bundle).entry?.length, 2, 'an auditor finds them by patient and type');
});
