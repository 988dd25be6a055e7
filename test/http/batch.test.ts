import t from 'tap';
import { client } from '../support/fhir-client.js';
import { observation, patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const server = await startServer();
t.teardown(() => server.close());
const fhir = client(server.base);

t.test('every batch entry stands alone: bad ones get their own status, the others are done', async (t) => {
  // entries of a batch may run in any order, even at once: each touches its own resource
  const existing = await fhir.post('/Patient', patient('Пакетный', '11223344595'));
  const patched = await fhir.post('/Patient', patient('Исправляемый', '33344455508'));
  const removed = await fhir.post('/Patient', patient('Удаляемый', '44455566602'));
  const patchDoc = Buffer.from(JSON.stringify([{ op: 'replace', path: '/gender', value: 'female' }])).toString('base64');
  const res = await fhir.post('', {
    resourceType: 'Bundle', type: 'batch',
    entry: [
      { resource: patient('Новый', '22233344405'), request: { method: 'POST', url: 'Patient' } },
      { request: { method: 'GET', url: 'Patient/no-such-patient' } },
      { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, $where: 1 }, request: { method: 'POST', url: 'Observation' } },
      { resource: { ...existing.body, gender: 'other' }, request: { method: 'PUT', url: `Patient/${existing.body.id}`, ifMatch: 'W/"9"' } },
      { request: { method: 'TRACE', url: 'Patient' } },
      { resource: observation(existing.body.id), request: { method: 'POST', url: 'Observation' } },
      { request: { method: 'PATCH', url: `Patient/${patched.body.id}` }, resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: patchDoc } },
      { request: { method: 'GET', url: `${server.base}/Patient?identifier=urn:oid:1.2.643.100.3|11223344595` } },
      { request: { method: 'GET', url: 'https://elsewhere.example.ru/fhir/Patient/1' } },
      { request: { method: 'POST', url: '' }, resource: { resourceType: 'Bundle', type: 'batch' } },
      { request: { method: 'DELETE', url: `Patient/${removed.body.id}` } },
    ],
  });
  t.equal(res.status, 200);
  t.equal(res.body.type, 'batch-response');
  t.same(res.body.entry.map((e: any) => e.response.status), [
    '201 Created', '404 Not Found', '400 Bad Request', '412 Precondition Failed', '400 Bad Request',
    '201 Created', '200 OK', '200 OK', '400 Bad Request', '400 Bad Request', '200 OK',
  ]);
  const codes = res.body.entry.map((e: any) => e.response.outcome?.issue?.[0]?.details?.coding?.[0]?.code ?? null);
  t.same(codes.slice(1, 5), ['FHIR_ERR_NOT_FOUND', 'FHIR_ERR_DOLLAR_KEY', 'FHIR_ERR_VERSION_CONFLICT', 'FHIR_ERR_ENTRY_INVALID']);
  t.match(res.body.entry[1].response.outcome.issue[0].diagnostics, /^Bundle\.entry\[1\]: /);
  t.equal(res.body.entry[6].resource.gender, 'female', 'the patch entry ran');
  t.equal(res.body.entry[7].resource.total, 1, 'a search entry');
  t.equal(res.body.entry[7].resource.entry[0].resource.id, existing.body.id);
  t.equal((await fhir.get(`/Patient/${res.body.entry[0].resource.id}`)).status, 200, 'entry 0 is stored');
  t.equal((await fhir.get(`/Observation/${res.body.entry[5].resource.id}`)).status, 200, 'entry 5 is stored');
  t.equal((await fhir.get(`/Patient/${removed.body.id}`)).status, 410, 'entry 10 deleted it');
  t.equal((await fhir.get(`/Patient/${patched.body.id}`)).body.gender, 'female', 'entry 6 is stored');
  t.equal((await fhir.get(`/Patient/${existing.body.id}`)).body.meta.versionId, '1', 'entry 3 changed nothing');
});

t.test('an empty batch answers an empty batch-response; a body that is no Bundle is a 400', async (t) => {
  const empty = await fhir.post('', { resourceType: 'Bundle', type: 'batch' });
  t.equal(empty.status, 200);
  t.notOk(empty.body.entry, "no entry array (FHIR JSON has no empty arrays)");
  const wrongEntries = await fhir.post('', { resourceType: 'Bundle', type: 'batch', entry: {} });
  t.equal(wrongEntries.status, 400);
  const collection = await fhir.post('/', { resourceType: 'Bundle', type: 'collection', entry: [] });
  t.equal(collection.status, 400);
  t.match(collection.body.issue[0].diagnostics, /\[base\]\/Bundle/);
});

t.test('a batch of 300 creates answers each in its place, every one stored', async (t) => {
  const entry = Array.from({ length: 300 }, (_, i) => ({ resource: observation('p-batch', String(5000 + i)), request: { method: 'POST', url: 'Observation' } }));
  const res = await fhir.post('', { resourceType: 'Bundle', type: 'batch', entry });
  t.equal(res.status, 200);
  t.same(res.body.entry.map((e: any) => e.resource.code.coding[0].code), entry.map((e) => e.resource.code.coding![0]!.code), 'answers in entry order');
  const stored = await fhir.get('/Observation?subject=Patient/p-batch&_total=accurate&_count=0');
  t.equal(stored.body.total, 300);
});
