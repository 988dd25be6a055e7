import t from 'tap';
import { client } from '../support/fhir-client.js';
import { observation, patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const server = await startServer();
t.teardown(() => server.close());
const fhir = client(server.base);
const SNILS = 'urn:oid:1.2.643.100.3';

const ivanov = (await fhir.post('/Patient', patient('Иванов', '11223344595'))).body;
const yolkin = (await fhir.post('/Patient', { ...patient('Ёлкин', '12345678964'), gender: 'female' })).body;
for (let i = 0; i < 5; i++) await fhir.post('/Observation', observation(ivanov.id, i % 2 ? '1000' : '2000'));
await fhir.post('/Observation', observation(yolkin.id, '1000'));

t.test('token, string and reference searches over HTTP', async (t) => {
  const bySnils = await fhir.get(`/Patient?identifier=${SNILS}|11223344595`);
  t.equal(bySnils.body.type, 'searchset');
  t.equal(bySnils.body.total, 1);
  t.equal(bySnils.body.entry[0].resource.id, ivanov.id);
  t.equal(bySnils.body.entry[0].search.mode, 'match');
  t.equal(bySnils.body.entry[0].fullUrl, `${server.base}/Patient/${ivanov.id}`);
  const folded = await fhir.get(`/Patient?family=${encodeURIComponent('елк')}`);
  t.same(folded.body.entry.map((e: any) => e.resource.id), [yolkin.id], 'ё is found by е, case-insensitively');
  const results = await fhir.get(`/Observation?subject=Patient/${ivanov.id}&code=urn:oid:1.2.643.5.1.13.13.11.1080|1000`);
  t.equal(results.body.total, 2);
  const deleted = (await fhir.post('/Patient', patient('Удалённый', '99988877766'))).body;
  await fhir.delete(`/Patient/${deleted.id}`);
  t.equal((await fhir.get(`/Patient?identifier=${SNILS}|99988877766`)).body.total, 0, 'deleted resources are not found');
});

t.test('POST _search takes the parameters from a form body', async (t) => {
  const res = await fhir.send('POST', '/Patient/_search', {
    raw: `identifier=${encodeURIComponent(`${SNILS}|12345678964`)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  t.equal(res.status, 200);
  t.same(res.body.entry.map((e: any) => e.resource.id), [yolkin.id]);
});

t.test('_count pages with next and previous links; _summary=count gives only the total', async (t) => {
  const first = await fhir.get(`/Observation?subject=Patient/${ivanov.id}&_count=2`);
  t.equal(first.body.entry.length, 2);
  t.equal(first.body.total, 5);
  const ids = first.body.entry.map((e: any) => e.resource.id);
  let next = first.body.link.find((l: any) => l.relation === 'next')?.url;
  while (next) {
    const page = await fhir.get(next);
    ids.push(...page.body.entry.map((e: any) => e.resource.id));
    t.ok(page.body.link.find((l: any) => l.relation === 'previous'), 'a previous link');
    next = page.body.link.find((l: any) => l.relation === 'next')?.url;
  }
  t.equal(ids.length, 5);
  t.equal(new Set(ids).size, 5, 'no result repeated');
  const count = await fhir.get('/Observation?_summary=count');
  t.equal(count.body.total, 6);
  t.notOk(count.body.entry?.length);
});

t.test('unknown parameters: ignored and reported by default, 400 with handling=strict', async (t) => {
  const lenient = await fhir.get('/Patient?gender=female&colour=green');
  t.equal(lenient.status, 200);
  t.same(lenient.body.entry.filter((e: any) => e.search.mode === 'match').map((e: any) => e.resource.id), [yolkin.id]);
  const outcome = lenient.body.entry.find((e: any) => e.search.mode === 'outcome');
  t.match(outcome.resource.issue[0].diagnostics, /colour/);
  t.notMatch(lenient.body.link[0].url, /colour/, 'the self link shows what was applied');
  const strict = await fhir.get('/Patient?gender=female&colour=green', { headers: { prefer: 'handling=strict' } });
  t.equal(strict.status, 400);
  t.match(strict.body.issue[0].diagnostics, /colour/);
});

t.test('malformed values give 400 naming the parameter', async (t) => {
  const badDate = await fhir.get('/Patient?birthdate=31.12.1980');
  t.equal(badDate.status, 400);
  t.match(badDate.body.issue[0].diagnostics, /birthdate/);
  t.equal((await fhir.get('/Patient?_count=lots')).status, 400);
});
