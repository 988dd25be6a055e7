import t from 'tap';
import { client } from '../support/fhir-client.js';
import { observation, patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const server = await startServer();
t.teardown(() => server.close());
const fhir = client(server.base);
const SNILS = 'urn:oid:1.2.643.100.3';
const RUNS = 12;

function transaction(entry: unknown[]) {
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

t.test('concurrent transactions updating the same two patients never interleave', async (t) => {
  const a = (await fhir.post('/Patient', patient('А', '11223344595'))).body;
  const b = (await fhir.post('/Patient', patient('Б', '22233344405'))).body;
  const answers = await Promise.all(Array.from({ length: RUNS }, (_, i) => fhir.post('', transaction([
    { resource: { ...a, name: [{ family: `run-${i}` }] }, request: { method: 'PUT', url: `Patient/${a.id}` } },
    { resource: { ...b, name: [{ family: `run-${i}` }] }, request: { method: 'PUT', url: `Patient/${b.id}` } },
  ]))));
  t.same(answers.map((r) => r.status), Array(RUNS).fill(200));
  const historyOf = async (id: string) => (await fhir.get(`/Patient/${id}/_history?_count=100`)).body.entry
    .map((e: any) => `${e.resource.meta.versionId}:${e.resource.name[0].family}`).reverse();
  const historyA = await historyOf(a.id);
  t.equal(historyA.length, RUNS + 1);
  t.same(historyA.slice(1).map((v: string) => v.split(':')[1]), (await historyOf(b.id)).slice(1).map((v: string) => v.split(':')[1]),
    'each version of A was written together with the same version of B: a serial order');
});

t.test('of concurrent transactions with the same If-Match, one wins and the others get 412', async (t) => {
  const p = (await fhir.post('/Patient', patient('Соперник', '33344455508'))).body;
  const answers = await Promise.all(Array.from({ length: RUNS }, (_, i) => fhir.post('', transaction([
    { resource: { ...p, name: [{ family: `winner-${i}` }] }, request: { method: 'PUT', url: `Patient/${p.id}`, ifMatch: 'W/"1"' } },
    { resource: observation(p.id, String(2000 + i)), request: { method: 'POST', url: 'Observation' } },
  ]))));
  const statuses = answers.map((r) => r.status);
  t.equal(statuses.filter((s) => s === 200).length, 1, 'exactly one transaction commits');
  t.equal(statuses.filter((s) => s === 412).length, RUNS - 1, 'the others lose with 412');
  const winner = answers.findIndex((r) => r.status === 200);
  const stored = (await fhir.get(`/Patient/${p.id}`)).body;
  t.equal(stored.meta.versionId, '2');
  t.equal(stored.name[0].family, `winner-${winner}`);
  const observations = await fhir.get(`/Observation?subject=Patient/${p.id}`);
  t.same(observations.body.entry.map((e: any) => e.resource.code.coding[0].code), [String(2000 + winner)], 'only the winner\'s observation exists');
});

t.test('conditional creates inside concurrent transactions never duplicate', async (t) => {
  const snils = '44455566602';
  const answers = await Promise.all(Array.from({ length: RUNS }, (_, i) => fhir.post('', transaction([
    { fullUrl: 'urn:uuid:11111111-0000-4000-8000-000000000001', resource: patient('Одновременный', snils),
      request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${SNILS}|${snils}` } },
    { resource: { ...observation('x', String(3000 + i)), subject: { reference: 'urn:uuid:11111111-0000-4000-8000-000000000001' } },
      request: { method: 'POST', url: 'Observation' } },
  ]))));
  t.same(answers.map((r) => r.status), Array(RUNS).fill(200));
  const patients = await fhir.get(`/Patient?identifier=${SNILS}|${snils}`);
  t.equal(patients.body.total, 1, 'one patient');
  const id = patients.body.entry[0].resource.id;
  t.equal(answers.filter((r) => r.body.entry[0].response.status === '201 Created').length, 1, 'one transaction created it');
  const observations = await fhir.get(`/Observation?subject=Patient/${id}&_count=100`);
  t.equal(observations.body.total, RUNS, 'every observation points at that one patient');
});
