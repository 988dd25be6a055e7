import t from 'tap';
import { client } from '../support/fhir-client.js';
import { patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const server = await startServer();
t.teardown(() => server.close());
const fhir = client(server.base);
const SNILS = 'urn:oid:1.2.643.100.3';

function ifNoneExist(snils: string) {
  return { headers: { 'if-none-exist': `identifier=${SNILS}|${snils}` } };
}

t.test('If-None-Exist: none creates, one returns it, several give 412', async (t) => {
  const first = await fhir.post('/Patient', patient('Сидоров', '12345678964'), ifNoneExist('12345678964'));
  t.equal(first.status, 201);
  const again = await fhir.post('/Patient', patient('Сидоров', '12345678964'), ifNoneExist('12345678964'));
  t.equal(again.status, 200, 'an existing match is returned, not duplicated');
  t.equal(again.body.id, first.body.id);

  await fhir.post('/Patient', patient('Дубль', '00000000101'));
  await fhir.post('/Patient', patient('Дубль', '00000000101'));
  const many = await fhir.post('/Patient', patient('Дубль', '00000000101'), ifNoneExist('00000000101'));
  t.equal(many.status, 412);
  t.equal(many.body.issue[0].code, 'multiple-matches');
});

t.test('50 concurrent identical conditional creates leave exactly one resource', async (t) => {
  const snils = '22233344405';
  const answers = await Promise.all(Array.from({ length: 50 }, () =>
    fhir.post('/Patient', patient('Параллельный', snils), ifNoneExist(snils))));
  t.same([...new Set(answers.map((a) => a.status))].sort(), [200, 201]);
  t.equal(answers.filter((a) => a.status === 201).length, 1, 'exactly one create');
  const ids = new Set(answers.map((a) => a.body.id));
  t.equal(ids.size, 1, 'all 50 answers point at the same resource');
  const found = await fhir.get(`/Patient?identifier=${SNILS}|${snils}`);
  t.equal(found.body.total, 1, 'the store holds one');
  t.equal(found.body.entry[0].resource.id, [...ids][0]);
});

t.test('conditional criteria with an unknown parameter are refused, not widened to everything', async (t) => {
  const res = await fhir.post('/Patient', patient(), { headers: { 'if-none-exist': 'no-such-param=1' } });
  t.equal(res.status, 400);
  const empty = await fhir.put('/Patient', patient());
  t.equal(empty.status, 412, 'a conditional update without criteria');
});

t.test('conditional update: 0 matches creates, 1 match updates, many give 412', async (t) => {
  const snils = '33344455508';
  const query = `/Patient?identifier=${SNILS}|${snils}`;
  const created = await fhir.put(query, patient('Условный', snils));
  t.equal(created.status, 201);
  const updated = await fhir.put(query, { ...patient('Условный', snils), gender: 'female' });
  t.equal(updated.status, 200);
  t.equal(updated.body.id, created.body.id);
  t.equal(updated.body.meta.versionId, '2');
  const wrongId = await fhir.put(query, { ...patient('Условный', snils), id: 'somebody-else' });
  t.equal(wrongId.status, 400, 'a body id that differs from the match');

  await fhir.post('/Patient', patient('Условный', snils));
  const many = await fhir.put(query, patient('Условный', snils));
  t.equal(many.status, 412);

  const concurrent = await Promise.all(Array.from({ length: 20 }, () =>
    fhir.put(`/Patient?identifier=${SNILS}|44455566601`, patient('Новый', '44455566601'))));
  t.equal(concurrent.filter((a) => a.status === 201).length, 1, 'concurrent conditional updates create once');
  t.equal(new Set(concurrent.map((a) => a.body.id)).size, 1);
});

t.test('conditional delete: one match is deleted, none is a no-op, many give 412', async (t) => {
  const snils = '55566677704';
  const created = await fhir.post('/Patient', patient('Удаляемый', snils));
  const deleted = await fhir.delete(`/Patient?identifier=${SNILS}|${snils}`);
  t.equal(deleted.status, 200);
  t.equal((await fhir.get(`/Patient/${created.body.id}`)).status, 410);
  t.equal((await fhir.delete(`/Patient?identifier=${SNILS}|${snils}`)).status, 204);
  await fhir.post('/Patient', patient('Два', '66677788803'));
  await fhir.post('/Patient', patient('Два', '66677788803'));
  const many = await fhir.delete(`/Patient?identifier=${SNILS}|66677788803`);
  t.equal(many.status, 412);
  t.equal((await fhir.get(`/Patient?identifier=${SNILS}|66677788803`)).body.total, 2, 'nothing deleted');
});
