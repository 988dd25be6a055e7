import t, { type Test } from 'tap';
import { client } from '../support/fhir-client.js';
import { patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const server = await startServer({ bodyLimit: 64 * 1024 });
t.teardown(() => server.close());
const fhir = client(server.base);

async function expectOutcome(t: Test, answer: Promise<{ status: number; body: any; text: string; headers: Headers }>, status: number, code?: string) {
  const res = await answer;
  t.equal(res.status, status, `status ${status}`);
  t.equal(res.body?.resourceType, 'OperationOutcome', 'an OperationOutcome');
  t.match(res.headers.get('content-type'), /^application\/fhir\+json/);
  t.notMatch(res.text, /at .*\.(ts|js):\d+/, 'no stack trace');
  if (code) t.equal(res.body.issue[0].details.coding[0].code, code);
  t.ok(res.body.issue[0].diagnostics, 'a message in English');
  t.ok(res.body.issue[0].details.text, 'a message in Russian');
  return res;
}

t.test('400 for bodies the server cannot take', async (t) => {
  await expectOutcome(t, fhir.send('POST', '/Patient', { raw: '{"resourceType": "Patient",' }), 400, 'FHIR_ERR_JSON_MALFORMED');
  await expectOutcome(t, fhir.send('POST', '/Patient', { raw: '' , headers: { 'content-type': 'application/fhir+json' } }), 400);
  await expectOutcome(t, fhir.post('/Patient', [1, 2]), 400, 'FHIR_ERR_BODY_NOT_RESOURCE');
  await expectOutcome(t, fhir.post('/Patient', { name: [] }), 400, 'FHIR_ERR_BODY_NOT_RESOURCE');
  await expectOutcome(t, fhir.post('/Patient', { resourceType: 'Observation', status: 'final' }), 400, 'FHIR_ERR_RESOURCE_TYPE_MISMATCH');
  await expectOutcome(t, fhir.put('/Patient/abc', { ...patient(), id: 'xyz' }), 400, 'FHIR_ERR_ID_MISMATCH');
  await expectOutcome(t, fhir.put('/Patient/abc', patient()), 400, 'FHIR_ERR_ID_MISSING');
  await expectOutcome(t, fhir.put('/Patient/bad_id!', { ...patient(), id: 'bad_id!' }), 400, 'FHIR_ERR_ID_INVALID');
  await expectOutcome(t, fhir.get(`/Patient/${'x'.repeat(65)}`), 400, 'FHIR_ERR_ID_INVALID');
  await expectOutcome(t, fhir.send('POST', '/Patient', { raw: '{"resourceType":"Patient","__proto__":{"x":1}}' }), 400, 'FHIR_ERR_PROTO_KEY');
  const nested = await expectOutcome(t, fhir.send('POST', '/Patient', { raw: '{"resourceType":"Patient","name":[{"constructor":{"prototype":{"x":1}}}]}' }), 400, 'FHIR_ERR_PROTO_KEY');
  t.same(nested.body.issue[0].expression, ['name[0].constructor']);
});

t.test('keys beginning with $ are refused; $ in queries is plain data', async (t) => {
  const res = await expectOutcome(t, fhir.post('/Patient', { ...patient(), name: [{ family: 'X', $where: 'sleep(1000)' }] }), 400, 'FHIR_ERR_DOLLAR_KEY');
  t.same(res.body.issue[0].expression, ['name[0].$where']);
  await expectOutcome(t, fhir.post('/Patient', { resourceType: 'Patient', $set: { active: true } }), 400);
  await fhir.post('/Patient', patient('Обычный', '11223344595'));
  const injected = await fhir.get(`/Patient?family=${encodeURIComponent('{"$gt":""}')}`);
  t.equal(injected.status, 200);
  t.equal(injected.body.total, 0, 'an operator-looking value matches nothing');
  const idInjection = await fhir.get(`/Patient?_id=${encodeURIComponent('{"$ne":null}')}`);
  t.equal(idInjection.body.total ?? 0, 0);
});

t.test('404 for unknown types, ids and paths', async (t) => {
  await expectOutcome(t, fhir.get('/Patientt/1'), 404, 'FHIR_ERR_TYPE_UNKNOWN');
  await expectOutcome(t, fhir.post('/NoSuchType', { resourceType: 'NoSuchType' }), 404, 'FHIR_ERR_TYPE_UNKNOWN');
  await expectOutcome(t, fhir.get('/Patient/does-not-exist'), 404, 'FHIR_ERR_NOT_FOUND');
  await expectOutcome(t, fhir.get('/Patient/1/_history/1/extra/parts'), 404, 'FHIR_ERR_ROUTE_NOT_FOUND');
});

t.test('405 for a method the path does not offer', async (t) => {
  await expectOutcome(t, fhir.post('/Patient/123', patient()), 405, 'FHIR_ERR_METHOD_NOT_ALLOWED');
  await expectOutcome(t, fhir.send('DELETE', '/metadata'), 405);
  await expectOutcome(t, fhir.send('PUT', '/Patient/1/_history/1', { body: patient() }), 405);
});

t.test('413 over the body limit, before the body is parsed', async (t) => {
  const huge = { ...patient(), text: { status: 'generated', div: `<div>${'я'.repeat(70 * 1024)}</div>` } };
  await expectOutcome(t, fhir.post('/Patient', huge), 413, 'FHIR_ERR_TOO_LARGE');
});

t.test('415 for an unsupported media type, 406 for a format not offered', async (t) => {
  await expectOutcome(t, fhir.send('POST', '/Patient', { raw: '<Patient/>', headers: { 'content-type': 'application/fhir+xml' } }), 415, 'FHIR_ERR_MEDIA_TYPE');
  await expectOutcome(t, fhir.send('POST', '/Patient', { raw: 'x', headers: { 'content-type': 'text/plain' } }), 415);
  await expectOutcome(t, fhir.get('/metadata', { headers: { accept: 'application/fhir+xml' } }), 406, 'FHIR_ERR_NOT_ACCEPTABLE');
  await expectOutcome(t, fhir.get('/metadata?_format=xml'), 406);
  t.equal((await fhir.get('/metadata', { headers: { accept: 'text/html, */*;q=0.8' } })).status, 200, 'a browser Accept is fine');
});

t.test('bad parameter values are 400 with the parameter named', async (t) => {
  const res = await expectOutcome(t, fhir.get('/Patient/_history?_since=yesterday'), 400, 'FHIR_ERR_PARAM_INVALID');
  t.match(res.body.issue[0].diagnostics, /_since/);
  await expectOutcome(t, fhir.get('/_history?_count=-1'), 400);
  await expectOutcome(t, fhir.get('/_history?_cursor=garbage'), 400);
  const existing = await fhir.post('/Patient', patient());
  await expectOutcome(t, fhir.get(`/Patient/${existing.body.id}?_summary=maybe`), 400);
});

t.test('a resource type in a body of the wrong kind gets no 500', async (t) => {
  for (const body of [null, 42, 'text', true, { resourceType: 7 }, { resourceType: 'Patient', id: 5 }]) {
    const res = await fhir.send('POST', '/Patient', { raw: JSON.stringify(body) });
    t.equal(res.status, 400, `body ${JSON.stringify(body)}`);
  }
});
