import t from 'tap';
import { client } from '../support/fhir-client.js';
import { observation, patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const server = await startServer();
t.teardown(() => server.close());
const fhir = client(server.base);

t.test('create assigns the id and version and answers with Location, ETag and Last-Modified', async (t) => {
  const sent = { ...patient(), id: 'client-chosen', meta: { versionId: '99', profile: ['https://egisz.example.ru/fhir/StructureDefinition/egisz-patient'] } };
  const res = await fhir.post('/Patient', sent);
  t.equal(res.status, 201);
  const { id } = res.body;
  t.match(id, /^[0-9a-v]{26}$/, 'the server assigns the id; a client id in a POST is ignored');
  t.not(id, 'client-chosen');
  t.equal(res.body.meta.versionId, '1', 'the server owns meta.versionId');
  t.ok(Date.parse(res.body.meta.lastUpdated) > Date.now() - 60_000, 'meta.lastUpdated is the server time');
  t.same(res.body.meta.profile, ['https://egisz.example.ru/fhir/StructureDefinition/egisz-patient'], 'the rest of meta is kept');
  t.equal(res.headers.get('location'), `${server.base}/Patient/${id}/_history/1`);
  t.equal(res.headers.get('etag'), 'W/"1"');
  t.equal(new Date(res.headers.get('last-modified')!).getTime(), Math.floor(Date.parse(res.body.meta.lastUpdated) / 1000) * 1000);
  t.match(res.headers.get('content-type'), /^application\/fhir\+json/);

  const read = await fhir.get(`/Patient/${id}`);
  t.equal(read.status, 200);
  t.same(read.body, res.body, 'read returns what create stored');
  t.equal(read.headers.get('etag'), 'W/"1"');
});

t.test('update makes a new version; vread returns each version', async (t) => {
  const created = (await fhir.post('/Observation', observation('p1'))).body;
  const changed = { ...created, status: 'amended' };
  const updated = await fhir.put(`/Observation/${created.id}`, changed);
  t.equal(updated.status, 200);
  t.equal(updated.body.meta.versionId, '2');
  t.equal(updated.headers.get('etag'), 'W/"2"');
  t.ok(Date.parse(updated.body.meta.lastUpdated) > Date.parse(created.meta.lastUpdated), 'lastUpdated moves forward');
  t.equal((await fhir.get(`/Observation/${created.id}/_history/1`)).body.status, 'final');
  t.equal((await fhir.get(`/Observation/${created.id}/_history/2`)).body.status, 'amended');
  t.equal((await fhir.get(`/Observation/${created.id}`)).body.status, 'amended');
  t.equal((await fhir.get(`/Observation/${created.id}/_history/3`)).status, 404);
  t.equal((await fhir.get(`/Observation/${created.id}/_history/x1`)).status, 400);
});

t.test('update as create with a client id answers 201, then 200', async (t) => {
  const first = await fhir.put('/Patient/snils-11223344595', { ...patient(), id: 'snils-11223344595' });
  t.equal(first.status, 201);
  t.equal(first.body.meta.versionId, '1');
  t.equal(first.headers.get('location'), `${server.base}/Patient/snils-11223344595/_history/1`);
  const second = await fhir.put('/Patient/snils-11223344595', { ...patient('Петров'), id: 'snils-11223344595' });
  t.equal(second.status, 200);
  t.equal(second.body.meta.versionId, '2');
});

t.test('If-Match: the expected version updates, a stale one gets 412 and changes nothing', async (t) => {
  const created = (await fhir.post('/Patient', patient())).body;
  const ok = await fhir.put(`/Patient/${created.id}`, { ...created, gender: 'female' }, { headers: { 'if-match': 'W/"1"' } });
  t.equal(ok.status, 200);
  const stale = await fhir.put(`/Patient/${created.id}`, { ...created, gender: 'other' }, { headers: { 'if-match': 'W/"1"' } });
  t.equal(stale.status, 412);
  t.equal(stale.body.resourceType, 'OperationOutcome');
  t.equal(stale.body.issue[0].code, 'conflict');
  t.equal((await fhir.get(`/Patient/${created.id}`)).body.gender, 'female', 'the stale write left nothing behind');
  const bad = await fhir.put(`/Patient/${created.id}`, created, { headers: { 'if-match': 'yesterday' } });
  t.equal(bad.status, 400);
  const staleDelete = await fhir.delete(`/Patient/${created.id}`, { headers: { 'if-match': 'W/"1"' } });
  t.equal(staleDelete.status, 412);
});

t.test('concurrent If-Match updates of one version: exactly one wins', async (t) => {
  const created = (await fhir.post('/Patient', patient())).body;
  const attempts = await Promise.all(Array.from({ length: 10 }, (_, i) =>
    fhir.put(`/Patient/${created.id}`, { ...created, birthDate: `19${10 + i}-01-01` }, { headers: { 'if-match': 'W/"1"' } })));
  t.equal(attempts.filter((a) => a.status === 200).length, 1);
  t.equal(attempts.filter((a) => a.status === 412).length, 9);
  t.equal((await fhir.get(`/Patient/${created.id}`)).body.meta.versionId, '2');
});

t.test('delete writes a versioned tombstone: read gives 410, older versions stay readable', async (t) => {
  const created = (await fhir.post('/Patient', patient())).body;
  const deleted = await fhir.delete(`/Patient/${created.id}`);
  t.equal(deleted.status, 200);
  t.equal(deleted.headers.get('etag'), 'W/"2"');
  const gone = await fhir.get(`/Patient/${created.id}`);
  t.equal(gone.status, 410);
  t.equal(gone.body.issue[0].code, 'deleted');
  t.equal((await fhir.get(`/Patient/${created.id}/_history/2`)).status, 410, 'the tombstone version itself reads as deleted');
  t.equal((await fhir.get(`/Patient/${created.id}/_history/1`)).status, 200, 'the earlier version is kept');
  t.equal((await fhir.delete(`/Patient/${created.id}`)).status, 204, 'deleting again is a no-op');
  t.equal((await fhir.delete('/Patient/never-was')).status, 404);
  const revived = await fhir.put(`/Patient/${created.id}`, created);
  t.equal(revived.status, 201, 'an update after delete creates the resource again');
  t.equal(revived.body.meta.versionId, '3');
});

t.test('JSON Patch', async (t) => {
  const created = (await fhir.post('/Patient', patient())).body;
  const patched = await fhir.patch(`/Patient/${created.id}`, [
    { op: 'test', path: '/gender', value: 'male' },
    { op: 'replace', path: '/birthDate', value: '1981-05-13' },
    { op: 'add', path: '/name/0/given/-', value: 'Третье' },
  ]);
  t.equal(patched.status, 200);
  t.equal(patched.body.birthDate, '1981-05-13');
  t.same(patched.body.name[0].given, ['Иван', 'Иванович', 'Третье']);
  t.equal(patched.body.meta.versionId, '2');

  const failedTest = await fhir.patch(`/Patient/${created.id}`, [{ op: 'test', path: '/gender', value: 'female' }]);
  t.equal(failedTest.status, 422);
  const malformed = await fhir.patch(`/Patient/${created.id}`, { op: 'replace' });
  t.equal(malformed.status, 400);
  const badOp = await fhir.patch(`/Patient/${created.id}`, [{ op: 'frobnicate', path: '/gender' }]);
  t.equal(badOp.status, 400);
  const identity = await fhir.patch(`/Patient/${created.id}`, [{ op: 'replace', path: '/id', value: 'other' }]);
  t.equal(identity.status, 422);
  const dollar = await fhir.patch(`/Patient/${created.id}`, [{ op: 'add', path: '/$where', value: '1' }]);
  t.equal(dollar.status, 400);
  const stale = await fhir.patch(`/Patient/${created.id}`, [{ op: 'replace', path: '/gender', value: 'other' }], { headers: { 'if-match': 'W/"1"' } });
  t.equal(stale.status, 412);
  t.equal((await fhir.get(`/Patient/${created.id}`)).body.meta.versionId, '2', 'failed patches wrote nothing');
  t.equal((await fhir.patch('/Patient/nobody', [])).status, 404);
});

t.test('Prefer: return=minimal | representation | OperationOutcome', async (t) => {
  const minimal = await fhir.post('/Patient', patient(), { headers: { prefer: 'return=minimal' } });
  t.equal(minimal.status, 201);
  t.equal(minimal.text, '');
  t.ok(minimal.headers.get('location'));
  const outcome = await fhir.post('/Patient', patient(), { headers: { prefer: 'return=OperationOutcome' } });
  t.equal(outcome.body.resourceType, 'OperationOutcome');
  t.equal(outcome.body.issue[0].severity, 'information');
  const representation = await fhir.post('/Patient', patient(), { headers: { prefer: 'return=representation' } });
  t.equal(representation.body.resourceType, 'Patient');
  const updatedMinimal = await fhir.put(`/Patient/${representation.body.id}`, representation.body, { headers: { prefer: 'return=minimal' } });
  t.equal(updatedMinimal.status, 200);
  t.equal(updatedMinimal.text, '');
  t.equal(updatedMinimal.headers.get('etag'), 'W/"2"');
});

t.test('conditional read: If-None-Match and If-Modified-Since give 304', async (t) => {
  const created = await fhir.post('/Patient', patient());
  const path = `/Patient/${created.body.id}`;
  t.equal((await fhir.get(path, { headers: { 'if-none-match': 'W/"1"' } })).status, 304);
  t.equal((await fhir.get(path, { headers: { 'if-none-match': 'W/"7"' } })).status, 200);
  const lastModified = created.headers.get('last-modified')!;
  t.equal((await fhir.get(path, { headers: { 'if-modified-since': lastModified } })).status, 304);
  t.equal((await fhir.get(path, { headers: { 'if-modified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' } })).status, 200);
});

t.test('every declared resource type can be created and read', async (t) => {
  for (const resource of [
    { resourceType: 'Organization', name: 'ГБУЗ Городская поликлиника № 1' },
    { resourceType: 'Consent', status: 'active', scope: { text: 'patient-privacy' }, category: [{ text: 'results' }], policyRule: { text: 'opt-in' } },
    { resourceType: 'DiagnosticReport', status: 'final', code: { text: 'ОАК' } },
    { resourceType: 'Basic', code: { text: 'anything' } },
  ]) {
    const created = await fhir.post(`/${resource.resourceType}`, resource);
    t.equal(created.status, 201, `${resource.resourceType} created`);
    t.equal((await fhir.get(`/${resource.resourceType}/${created.body.id}`)).status, 200, `${resource.resourceType} read`);
  }
});
