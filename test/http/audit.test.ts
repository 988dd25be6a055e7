import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientWithToken, testIssuer } from '../support/test-tokens.js';
import { startServer } from '../support/server.js';

const issuer = await testIssuer();
t.teardown(() => issuer.remove());
const server = await startServer({ auth: issuer.authSettings });
t.teardown(() => server.close());

const admin = clientWithToken(server.base, await issuer.token('system/*.cruds', { client_id: 'admin-tool' }));
const clinic = clientWithToken(server.base, await issuer.token('system/Patient.cruds system/Observation.cruds', { client_id: 'mis-clinic-1', sub: 'doctor-ivanova' }));
const auditor = clientWithToken(server.base, await issuer.token('system/AuditEvent.rs', { client_id: 'auditor-1' }));

type Entry = { resource: any };
const codes = (events: Entry[]) => events.map((e) => `${e.resource.action} ${e.resource.subtype[0].code} ${e.resource.outcome}`);

/** The AuditEvents a search finds, once the audit trail has flushed what the test did. */
async function audited(query: string, atLeast = 1): Promise<Entry[]> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const found = await auditor.get(`/AuditEvent?${query}&_count=100&_sort=date`);
    if (found.status !== 200) throw new Error(`AuditEvent search failed: ${found.text}`);
    if ((found.body.entry?.length ?? 0) >= atLeast) return found.body.entry;
    await sleep(100);
  }
  return [];
}

const observation = (patient: string) => ({ resourceType: 'Observation', status: 'final', code: { text: 'Hb' }, subject: { reference: `Patient/${patient}` } });

t.test('the read of a resource stored before its patient was kept beside its index entries names the patient too', async (t) => {
  const patient = await clinic.post('/Patient', { resourceType: 'Patient', name: [{ family: 'Старова' }] });
  const obs = await clinic.post('/Observation', observation(patient.body.id));
  await server.store.collection('Observation').updateOne({ _id: obs.body.id }, { $unset: { patient: '' } });
  t.equal((await clinic.get(`/Observation/${obs.body.id}`)).status, 200);
  const events = await audited(`patient=Patient/${patient.body.id}&subtype=read`);
  t.same(events.map((e) => e.resource.entity.find((x: any) => x.what?.reference?.startsWith('Observation/'))?.what.reference), [`Observation/${obs.body.id}/_history/1`]);
});

t.test('every interaction is recorded in the shape of BALP: who, what, which patient, how it ended', async (t) => {
  const patient = await clinic.post('/Patient', { resourceType: 'Patient', name: [{ family: 'Аудитова' }] });
  const obs = await clinic.post('/Observation', observation(patient.body.id));
  t.equal((await clinic.get(`/Observation/${obs.body.id}`)).status, 200);
  t.equal((await clinic.get(`/Observation?subject=Patient/${patient.body.id}`)).status, 200);
  t.equal((await clinic.delete(`/Observation/${obs.body.id}`)).status, 200);
  t.equal((await clinic.get(`/Observation/${obs.body.id}`)).status, 410);

  const events = await audited(`patient=Patient/${patient.body.id}&agent:identifier=mis-clinic-1`, 4);
  t.same(codes(events), ['C create 0', 'C create 0', 'R read 0', 'E search-type 0'], 'create Patient, create Observation, read, search (a delete leaves no patient to name)');
  const read = events[2]!.resource;
  t.same(read.type, { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' });
  t.equal(read.agent[0].who.identifier.value, 'mis-clinic-1', 'the client');
  t.equal(read.agent[1].who.identifier.value, 'doctor-ivanova', 'the user');
  t.equal(read.agent[1].requestor, true);
  t.equal(read.agent[0].network.address, '127.0.0.1');
  t.ok(read.entity.some((e: any) => e.what?.reference === `Observation/${obs.body.id}/_history/1`), 'the version read');
  const search = events[3]!.resource;
  t.equal(Buffer.from(search.entity.find((e: any) => e.role?.code === '24').query, 'base64').toString(), `subject=Patient/${patient.body.id}`, 'the query of a search');
  const [gone] = await audited(`entity=Observation/${obs.body.id}&outcome=4`);
  t.match(gone!.resource.outcomeDesc, 'has been deleted', 'what a failed request was told');

  const deletes = await audited(`entity=Observation/${obs.body.id}/_history/2&action=D`);
  t.equal(deletes.length, 1, 'the delete, found by the version it wrote');
  const byAgent = await audited('agent:identifier=mis-clinic-1&subtype=delete');
  t.ok(byAgent.length >= 1, 'searchable by client and subtype');
  const refusedNow = new Date().toISOString();
  t.equal((await clinic.get('/Consent')).status, 403);
  const refusals = await audited(`outcome=4&date=ge${refusedNow}&agent:identifier=mis-clinic-1`);
  t.same(codes(refusals), ['E search-type 4'], 'a refused request is recorded too');
  const anonymous = await fetch(`${server.base}/Organization?name=nobody`);
  t.equal(anonymous.status, 401);
  const unauthenticated = (await audited(`outcome=4&date=ge${refusedNow}`, 2)).map((e) => e.resource);
  const attempt = unauthenticated.find((event) => event.agent[0].who === undefined);
  t.ok(attempt, 'a request without a token is recorded, with no client');
  t.equal(Buffer.from(attempt.entity.find((e: any) => e.role?.code === '24').query, 'base64').toString(), 'name=nobody');
});

t.test('an auditor reads the audit log and nothing else; nobody changes it', async (t) => {
  t.equal((await auditor.get('/Patient')).status, 403, 'no clinical content for an auditor');
  t.equal((await clinic.get('/AuditEvent')).status, 403, 'no audit log for a clinic');
  const [first] = await audited('_count=1');
  const id = first!.resource.id;
  for (const [what, answer] of [
    ['update', await admin.put(`/AuditEvent/${id}`, { ...first!.resource, outcome: '0' })],
    ['patch', await admin.patch(`/AuditEvent/${id}`, [{ op: 'replace', path: '/outcome', value: '8' }])],
    ['delete', await admin.delete(`/AuditEvent/${id}`)],
    ['create', await admin.post('/AuditEvent', { ...first!.resource, id: undefined })],
    ['transaction delete', await admin.post('', { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'DELETE', url: `AuditEvent/${id}` } }] })],
  ] as const) {
    t.equal(answer.status, 405, what);
    t.equal(answer.body.issue[0].details.coding[0].code, 'FHIR_ERR_AUDIT_LOG_READ_ONLY', what);
  }
  t.equal((await auditor.get(`/AuditEvent/${id}/_history/1`)).body.id, id, 'vread of its one version');
  t.equal((await auditor.get(`/AuditEvent/${id}/_history/2`)).status, 404);
  const own = await auditor.get(`/AuditEvent/${id}/_history`);
  t.same(own.body.entry.map((e: any) => [e.resource.id, e.request.method]), [[id, 'POST']], 'its history: the one version');
  const typeHistory = await auditor.get('/AuditEvent/_history?_count=2');
  t.equal(typeHistory.body.entry.length, 2, 'type history pages');
  const nextPage = await auditor.get(typeHistory.body.link.find((l: any) => l.relation === 'next').url);
  t.equal(nextPage.status, 200);
  t.notSame(nextPage.body.entry.map((e: any) => e.resource.id), typeHistory.body.entry.map((e: any) => e.resource.id), 'the next page goes on');
  const systemHistory = await admin.get('/_history?_count=1000');
  t.notOk(systemHistory.body.entry.some((e: any) => e.resource?.resourceType === 'AuditEvent'), 'system history is about resources changing, not the audit log');
  const capability = await admin.get('/metadata');
  const auditEvent = capability.body.rest[0].resource.find((r: any) => r.type === 'AuditEvent');
  t.same(auditEvent.interaction.map((i: any) => i.code).sort(), ['history-instance', 'history-type', 'read', 'search-type', 'vread']);
  t.ok(auditEvent.operation.some((o: any) => o.name === 'verify-chain'));
});

t.test('a failed transaction leaves no audit of writes that never happened', async (t) => {
  const family = `Откат${Date.now()}`;
  const existing = await clinic.post('/Observation', observation('p1'));
  const failing = await clinic.post('', {
    resourceType: 'Bundle', type: 'transaction', entry: [
      { fullUrl: 'urn:uuid:0d1e2f30-4152-4637-8849-5a6b7c8d9e0f', resource: { resourceType: 'Patient', name: [{ family }] }, request: { method: 'POST', url: 'Patient' } },
      { resource: { ...observation('p1'), id: existing.body.id }, request: { method: 'PUT', url: `Observation/${existing.body.id}`, ifMatch: 'W/"7"' } },
    ],
  });
  t.equal(failing.status, 412, 'the update runs after the create, and fails');
  const succeeding = await clinic.post('', {
    resourceType: 'Bundle', type: 'transaction', entry: [
      { fullUrl: 'urn:uuid:1e2f3041-5263-4748-995a-6b7c8d9e0f10', resource: { resourceType: 'Patient', name: [{ family }] }, request: { method: 'POST', url: 'Patient' } },
    ],
  });
  t.equal(succeeding.status, 200);
  const transactions = await audited(`agent:identifier=mis-clinic-1&subtype=transaction`, 2);
  t.same(codes(transactions).slice(-2), ['E transaction 4', 'E transaction 0']);
  const created = succeeding.body.entry[0].response.location.split('/')[1];
  const creates = await audited(`subtype=create&entity-type=2&agent:identifier=mis-clinic-1&date=ge${transactions.at(-2)!.resource.recorded}`);
  t.same(creates.map((e) => e.resource.entity[0].what.reference), [`Patient/${created}/_history/1`], 'only the committed create is audited');
});

t.test('the hash chain shows an AuditEvent edited in the store', async (t) => {
  const intact = await auditor.get('/AuditEvent/$verify-chain');
  t.equal(intact.status, 200);
  t.same(intact.body.parameter.slice(0, 1), [{ name: 'intact', valueBoolean: true }]);
  const checked = intact.body.parameter[1].valueInteger;
  t.ok(checked > 10, `${checked} events checked`);
  const future = await auditor.get('/AuditEvent/$verify-chain?start=2999-01-01');
  t.same(future.body.parameter, [{ name: 'intact', valueBoolean: true }, { name: 'checked', valueInteger: 0 }], 'an empty range');
  t.equal((await auditor.get('/AuditEvent/$verify-chain?end=yesterday')).status, 400, 'a bad date');

  const [victim] = await audited('subtype=read&outcome=0');
  const stored = server.store.collection<{ _id: string; json: string }>('AuditEvent');
  const doc = await stored.findOne({ _id: victim!.resource.id });
  await stored.updateOne({ _id: doc!._id }, { $set: { json: doc!.json.replace('"outcome":"0"', '"outcome":"4"') } });
  const broken = await auditor.get('/AuditEvent/$verify-chain');
  t.same(broken.body.parameter[0], { name: 'intact', valueBoolean: false });
  const where = Object.fromEntries(broken.body.parameter[2].part.map((p: any) => [p.name, p.valueInteger ?? p.valueReference?.reference ?? p.valueCode]));
  t.same(where, { sequence: where.sequence, event: `AuditEvent/${victim!.resource.id}`, reason: 'hash-mismatch' }, 'the edited event is named');
  const before = await auditor.get(`/AuditEvent/$verify-chain?end=${encodeURIComponent(new Date(new Date(victim!.resource.recorded).getTime() - 1).toISOString())}`);
  t.equal(before.body.parameter[0].valueBoolean, true, 'the chain before the edit still verifies');
});
