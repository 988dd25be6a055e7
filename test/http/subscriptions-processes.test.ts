/**
 * Subscriptions delivered by real server processes on one embedded store: two processes share the
 * deliveries through the lease in the store without sending an event twice or out of order, and a
 * process killed with kill -9 (twice) during a stream of results loses no acknowledged result of a
 * consented patient and sends nothing of a patient without consent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Consent, DiagnosticReport, Parameters } from 'fhir/r4.js';
import t, { type Test } from 'tap';
import { captureEndpoint, type CaptureEndpoint, type Received } from '../support/capture-endpoint.js';
import { client } from '../support/fhir-client.js';
import { type ServerProcess, spawnServer } from '../support/server-process.js';
import { cabinetConsent, labReport } from '../support/cabinet-fixtures.js';

type Fhir = ReturnType<typeof client>;

const embeddedOnly = process.env.MONGODB_URI ? 'processes sharing one DATA_DIR exercise the embedded engine' : false;
const DELIVERY_SETTINGS = { SUBSCRIPTION_RETRY_BASE_MS: '50', SUBSCRIPTION_RETRY_MAX_MS: '500', SUBSCRIPTION_TIMEOUT: '2', SUBSCRIPTION_LEASE: '4' };

async function created(answer: Promise<{ status: number; text: string; body: any }>): Promise<string> {
  const { status, text, body } = await answer;
  if (status < 200 || status >= 300) throw new Error(`${status}: ${text}`);
  return body.id;
}

/** A patient, optionally with consent, and a full-resource rest-hook Subscription to their results; the Subscription id. */
async function cabinetPatient(fhir: Fhir, endpoint: CaptureEndpoint, patient: string, consented: boolean): Promise<string> {
  await created(fhir.put(`/Patient/${patient}`, { resourceType: 'Patient', id: patient }));
  if (consented) await created(fhir.post('/Consent', cabinetConsent(patient)));
  return created(fhir.post('/Subscription', {
    resourceType: 'Subscription', status: 'requested', reason: 'Результаты в личный кабинет',
    criteria: `DiagnosticReport?patient=Patient/${patient}`,
    channel: { type: 'rest-hook', endpoint: endpoint.url, payload: 'application/fhir+json' },
  }));
}

/** What a received notification says: which subscription, named under which server base, and the report it carries. */
function notificationOf(received: Received): { subscription: string; sender: string; reports: DiagnosticReport[] } {
  const status = received.bundle.entry![0]!.resource as Parameters;
  const reference = status.parameter!.find((p) => p.name === 'subscription')!.valueReference!.reference!;
  const [, sender, subscription] = /^(.*)\/Subscription\/([^/]+)$/.exec(reference)!;
  return { subscription: subscription!, sender: sender!, reports: received.bundle.entry!.slice(1).map((entry) => entry.resource as DiagnosticReport) };
}

/** Every event received, one per result (a notification may carry several). */
function eventsOf(endpoint: CaptureEndpoint): number {
  return endpoint.events().reduce((sum, received) => sum + received.eventNumbers.length, 0);
}

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

function temporaryDataDir(t: Test): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-subscriptions-processes-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  return dataDir;
}

t.test('two processes on one store share the deliveries: each event exactly once, in order, some from each', { skip: embeddedOnly }, async (t) => {
  const dataDir = temporaryDataDir(t);
  const processes = await Promise.all([spawnServer({ DATA_DIR: dataDir, ...DELIVERY_SETTINGS }), spawnServer({ DATA_DIR: dataDir, ...DELIVERY_SETTINGS })]);
  t.teardown(() => Promise.all(processes.map((server) => server.stop())));
  const servers = processes.map((server) => client(server.base));
  const endpoint = await captureEndpoint();
  t.teardown(() => endpoint.close());
  endpoint.answer = (n) => (n % 7 === 0 ? 503 : 200); // some retries, which the other process may pick up

  await created(servers[0]!.put('/Organization/lab1', { resourceType: 'Organization', id: 'lab1', name: 'Лаборатория' }));
  const patients = Array.from({ length: 6 }, (_, i) => `shared${i}`);
  const subscriptionOf = new Map<string, string>();
  for (const [i, patient] of patients.entries()) subscriptionOf.set(await cabinetPatient(servers[i % 2]!, endpoint, patient, true), patient);

  const perPatient = 12;
  const written = new Map<string, string[]>(patients.map((patient) => [patient, []]));
  await Promise.all(patients.map(async (patient, i) => {
    for (let round = 0; round < perPatient; round++) {
      written.get(patient)!.push(await created(servers[(i + round) % 2]!.post('/DiagnosticReport', labReport(patient, 'final', `result ${round}`))));
    }
  }));
  const total = patients.length * perPatient;
  await until(() => eventsOf(endpoint) >= total, 20_000);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // time for a duplicate to show up, were one sent

  t.equal(eventsOf(endpoint), total, `${total} events, each received once`);
  for (const [subscription, patient] of subscriptionOf) {
    const mine = endpoint.events().filter((received) => notificationOf(received).subscription === subscription);
    t.same(mine.flatMap((received) => received.eventNumbers), Array.from({ length: perPatient }, (_, i) => i + 1), `Subscription/${subscription}: events 1..${perPatient} in order, no duplicate`);
    t.same(mine.flatMap((received) => notificationOf(received).reports.map((report) => report.id)).sort(), [...written.get(patient)!].sort(), `Subscription/${subscription}: exactly the results of ${patient}`);
  }
  const senders = new Map<string, number>();
  for (const { sender } of endpoint.events().map(notificationOf)) senders.set(sender, (senders.get(sender) ?? 0) + 1);
  const bases = processes.map((server) => `http://localhost:${new URL(server.base).port}/fhir`);
  t.same([...senders.keys()].sort(), [...bases].sort(), `both processes delivered (${bases.map((base) => `${base}: ${senders.get(base) ?? 0}`).join(', ')})`);
});

t.test('kill -9 twice during a stream of results: every acknowledged consented result arrives, nothing without consent', { skip: embeddedOnly }, async (t) => {
  const dataDir = temporaryDataDir(t);
  let server: ServerProcess = await spawnServer({ DATA_DIR: dataDir, ...DELIVERY_SETTINGS });
  t.teardown(() => server.stop());
  let fhir = client(server.base);
  const endpoint = await captureEndpoint();
  t.teardown(() => endpoint.close());
  let requests = 0;
  endpoint.answer = (n) => {
    requests = n;
    return n % 2 === 0 ? 503 : 200;
  };

  await created(fhir.put('/Organization/lab1', { resourceType: 'Organization', id: 'lab1', name: 'Лаборатория' }));
  const consented = new Set(Array.from({ length: 8 }, (_, i) => `crash-yes${i}`));
  const patients = [...consented, ...Array.from({ length: 8 }, (_, i) => `crash-no${i}`)];
  for (const patient of patients) await cabinetPatient(fhir, endpoint, patient, consented.has(patient));

  const total = 300;
  const acknowledged = new Map<string, string>(); // report id → patient
  let sent = 0;
  const deadline = Date.now() + 150_000; // the writers stop even if a restart failed
  const writers = Array.from({ length: 4 }, async () => {
    while (acknowledged.size < total && Date.now() < deadline) {
      const patient = patients[sent++ % patients.length]!;
      try {
        const answer = await fhir.post('/DiagnosticReport', labReport(patient, 'final', `stream ${sent}`));
        if (answer.status === 201) acknowledged.set(answer.body.id, patient);
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20)); // the server is down or restarting
      }
    }
  });
  for (const killAt of [total / 3, (2 * total) / 3]) {
    await until(() => acknowledged.size >= killAt, 30_000);
    await server.kill9();
    server = await spawnServer({ DATA_DIR: dataDir, ...DELIVERY_SETTINGS });
    fhir = client(server.base);
  }
  await Promise.all(writers);

  const arrived = () => new Set(endpoint.events().flatMap((received) => notificationOf(received).reports.map((report) => report.id)));
  const expected = [...acknowledged].filter(([, patient]) => consented.has(patient)).map(([id]) => id);
  await until(() => { const ids = arrived(); return expected.every((id) => ids.has(id)); }, 30_000);

  const ids = arrived();
  t.ok(expected.length >= total / 2 - patients.length, `${expected.length} of ${acknowledged.size} acknowledged results are of consented patients`);
  const missing = expected.filter((id) => !ids.has(id));
  t.same(missing, [], `every acknowledged result of a consented patient arrived (the receiver refused half of ${requests} requests)`);
  for (const id of missing) t.comment(`DiagnosticReport/${id}/$delivery-status:`, JSON.stringify((await fhir.get(`/DiagnosticReport/${id}/$delivery-status`)).body));
  const withoutConsent = endpoint.events().flatMap((received) => notificationOf(received).reports).filter((report) => !consented.has(report.subject!.reference!.replace('Patient/', '')));
  t.same(withoutConsent.map((report) => report.id), [], 'no result of a patient without consent arrived');

  const [refusedId] = [...acknowledged].find(([, patient]) => !consented.has(patient))!;
  const status = (await fhir.get(`/DiagnosticReport/${refusedId}/$delivery-status`)).body as Parameters;
  const delivery = status.parameter!.find((p) => p.name === 'delivery')!;
  t.equal(delivery.part!.find((p) => p.name === 'reason')?.valueCode, 'no-active-consent', 'a result without consent is blocked, with the reason');
});

/** The reason recorded for the report's first delivery, once it is no longer pending. */
async function settledReason(fhir: Fhir, reportId: string): Promise<string | undefined> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = (await fhir.get(`/DiagnosticReport/${reportId}/$delivery-status`)).body as Parameters;
    const delivery = status.parameter?.find((p) => p.name === 'delivery');
    const state = delivery?.part?.find((p) => p.name === 'status')?.valueCode;
    if ((state && state !== 'pending') || Date.now() > deadline) return delivery?.part?.find((p) => p.name === 'reason')?.valueCode ?? state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

t.test('a consent revoked through one process stops, in the other, what waits and what comes next', { skip: embeddedOnly }, async (t) => {
  const dataDir = temporaryDataDir(t);
  const processes = await Promise.all([spawnServer({ DATA_DIR: dataDir, ...DELIVERY_SETTINGS }), spawnServer({ DATA_DIR: dataDir, ...DELIVERY_SETTINGS })]);
  t.teardown(() => Promise.all(processes.map((server) => server.stop())));
  const [clinic, lab] = processes.map((server) => client(server.base)) as [Fhir, Fhir];
  const endpoint = await captureEndpoint();
  t.teardown(() => endpoint.close());
  const patient = 'revoked-elsewhere';
  await created(clinic.put('/Organization/lab1', { resourceType: 'Organization', id: 'lab1', name: 'Лаборатория' }));
  await cabinetPatient(clinic, endpoint, patient, true);
  // both processes have looked at the consent: the lab's write matched it, and one of them delivered
  await created(lab.post('/DiagnosticReport', labReport(patient, 'final', 'before')));
  await endpoint.waitFor(1);

  endpoint.answer = () => 503;
  const waiting = await created(lab.post('/DiagnosticReport', labReport(patient, 'final', 'waiting')));
  const consent = ((await clinic.get(`/Consent?patient=Patient/${patient}`)).body.entry[0].resource) as Consent;
  await created(clinic.put(`/Consent/${consent.id}`, { ...consent, status: 'inactive' }));
  const after = await created(lab.post('/DiagnosticReport', labReport(patient, 'final', 'after')));
  endpoint.answer = () => 200;

  t.equal(await settledReason(lab, after), 'no-active-consent', 'a result written after the revocation is blocked by the process that did not revoke');
  t.equal(await settledReason(lab, waiting), 'no-active-consent', 'the undelivered one is stopped');
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.equal(endpoint.events().length, 1, 'only the result from before the revocation arrived');
});
