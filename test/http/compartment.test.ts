/** Patient compartment search (Patient/123/Observation) and Patient/$everything over real HTTP. */
import t from 'tap';
import { client } from '../support/fhir-client.js';
import { observation, patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const server = await startServer();
t.teardown(() => server.close());
const fhir = client(server.base);

const anna = (await fhir.post('/Patient', patient('Смирнова', '11223344595'))).body.id as string;
const boris = (await fhir.post('/Patient', patient('Петров', '12345678964'))).body.id as string;
const created = async (path: string, body: unknown) => (await fhir.post(path, body)).body.id as string;

const annaObservations = [
  await created('/Observation', observation(anna, '1000')),
  await created('/Observation', observation(anna, '2000')),
  await created('/Observation', observation(anna, '1000')),
];
// in Anna's compartment through `performer` (a patient may report their own measurement)
const selfReported = await created('/Observation', { ...observation(boris, '3000'), performer: [{ reference: `Patient/${anna}` }] });
const borisObservation = await created('/Observation', observation(boris, '1000'));
const annaReport = await created('/DiagnosticReport', {
  resourceType: 'DiagnosticReport', status: 'final', code: { text: 'Общий анализ крови' },
  subject: { reference: `Patient/${anna}` }, result: annaObservations.map((id) => ({ reference: `Observation/${id}` })),
});
const annaConsent = await created('/Consent', {
  resourceType: 'Consent', status: 'active', scope: { coding: [{ code: 'patient-privacy' }] },
  category: [{ text: 'Передача результатов в личный кабинет' }], patient: { reference: `Patient/${anna}` }, policyRule: { text: 'opt-in' },
});
await created('/Organization', { resourceType: 'Organization', name: 'КДЛ' });

const ids = (bundle: any): string[] => (bundle.entry ?? []).map((e: any) => e.resource.id);
const link = (bundle: any, relation: string): string | undefined => bundle.link.find((l: any) => l.relation === relation)?.url;
const sorted = (list: string[]) => [...list].sort();

t.test('compartment search finds exactly the resources in the patient compartment', async (t) => {
  const all = await fhir.get(`/Patient/${anna}/Observation`);
  t.equal(all.status, 200);
  t.same(sorted(ids(all.body)), sorted([...annaObservations, selfReported]), 'subject or performer is Anna; Boris\'s own is not');
  t.equal(all.body.total, 4);
  const byCode = await fhir.get(`/Patient/${anna}/Observation?code=1000`);
  t.same(sorted(ids(byCode.body)), sorted([annaObservations[0]!, annaObservations[2]!]), 'other parameters are ANDed');
  t.same(ids((await fhir.get(`/Patient/${boris}/Observation`)).body).sort(), sorted([selfReported, borisObservation]));
  t.same(ids((await fhir.get(`/Patient/${anna}/Patient`)).body), [anna], 'the patient is in their own compartment');
  t.same(ids((await fhir.get(`/Patient/${anna}/DiagnosticReport`)).body), [annaReport]);
  const posted = await fhir.send('POST', `/Patient/${anna}/Observation/_search`, {
    raw: 'code=2000', headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  t.same(ids(posted.body), [annaObservations[1]], 'POST _search takes its parameters from the form');
  t.equal((await fhir.get('/Patient/never-stored/Observation')).body.total, 0, 'an unknown patient has an empty compartment');
});

t.test('compartment search pages with links inside the compartment', async (t) => {
  const first = await fhir.get(`/Patient/${anna}/Observation?_count=3`);
  t.equal(ids(first.body).length, 3);
  const next = link(first.body, 'next')!;
  t.match(next, `${server.base}/Patient/${anna}/Observation?`, 'the next link stays in the compartment');
  const second = await fhir.get(next);
  t.same(sorted([...ids(first.body), ...ids(second.body)]), sorted([...annaObservations, selfReported]));
  t.notOk(link(second.body, 'next'));
});

t.test('compartment search refuses what it cannot answer', async (t) => {
  const notInCompartment = await fhir.get(`/Patient/${anna}/Organization`);
  t.equal(notInCompartment.status, 400);
  t.equal(notInCompartment.body.resourceType, 'OperationOutcome');
  t.equal((await fhir.get(`/Observation/${selfReported}/Patient`)).status, 404, 'Observation is no compartment');
  t.equal((await fhir.get(`/Patient/${anna}/NoSuchType`)).status, 404);
  t.equal((await fhir.get(`/Patient/${anna}/Observation?code:frobnicate=1`)).status, 400);
  t.equal((await fhir.put(`/Patient/${anna}/Observation`, {})).status, 405);
});

t.test('Patient/$everything: the patient first, then their compartment, never another patient\'s data', async (t) => {
  const res = await fhir.get(`/Patient/${anna}/$everything`);
  t.equal(res.status, 200);
  t.equal(res.body.type, 'searchset');
  t.equal(res.body.entry[0].resource.id, anna);
  t.same(sorted(ids(res.body)), sorted([anna, ...annaObservations, selfReported, annaReport, annaConsent]));
  t.ok(res.body.entry.every((e: any) => e.fullUrl === `${server.base}/${e.resource.resourceType}/${e.resource.id}`));
  const onlyObservations = await fhir.get(`/Patient/${anna}/$everything?_type=Observation,Consent`);
  t.same(sorted(ids(onlyObservations.body)), sorted([...annaObservations, selfReported, annaConsent]), '_type restricts the types');
});

t.test('Patient/$everything pages without skipping or repeating, also while resources are added', async (t) => {
  const expected = sorted([anna, ...annaObservations, selfReported, annaReport, annaConsent]);
  const seen: string[] = [];
  let url: string | undefined = `/Patient/${anna}/$everything?_count=2`;
  let added: string | undefined;
  while (url) {
    const page = await fhir.get(url);
    t.ok(ids(page.body).length <= 2);
    seen.push(...ids(page.body));
    url = link(page.body, 'next');
    added ??= await created('/Observation', observation(anna, '4000'));
  }
  t.equal(new Set(seen).size, seen.length, 'nothing repeated');
  t.same(sorted(seen.filter((id) => id !== added)), expected, 'everything that existed, once');
  await fhir.delete(`/Observation/${added}`);
});

t.test('Patient/$everything pages back through previous links', async (t) => {
  const pages: string[][] = [];
  let last: any;
  for (let url: string | undefined = `/Patient/${anna}/$everything?_count=2`; url; url = link(last.body, 'next')) {
    last = await fhir.get(url);
    pages.push(ids(last.body));
  }
  t.ok(pages.length > 2);
  const back: string[][] = [];
  for (let url = link(last.body, 'previous'); url; ) {
    const page = await fhir.get(url);
    back.unshift(ids(page.body));
    t.ok(link(page.body, 'next'), 'a page reached backwards links forward');
    url = link(page.body, 'previous');
  }
  t.same(back, pages.slice(0, -1));
  t.equal((await fhir.get(`/Patient/${anna}/$everything?_cursor=${Buffer.from('["Observation","x","sideways"]').toString('base64url')}`)).status, 400);
});

t.test('Patient/$everything with _since, and its errors', async (t) => {
  const before = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 5));
  const later = await created('/Observation', observation(anna, '5000'));
  const since = await fhir.get(`/Patient/${anna}/$everything?_since=${encodeURIComponent(before)}`);
  t.same(ids(since.body), [later], 'only what changed since');
  t.equal((await fhir.get('/Patient/never-stored/$everything')).status, 404);
  const gone = await created('/Patient', patient('Удалённая', '11223344595'));
  await fhir.delete(`/Patient/${gone}`);
  t.equal((await fhir.get(`/Patient/${gone}/$everything`)).status, 410);
  t.equal((await fhir.get(`/Patient/${anna}/$everything?start=2024-01-01`)).status, 400, 'start/end are not silently ignored');
  t.equal((await fhir.get(`/Patient/${anna}/$everything?_type=Organization`)).status, 400);
  t.equal((await fhir.get(`/Patient/${anna}/$everything?_since=yesterday`)).status, 400);
  t.equal((await fhir.get(`/Patient/${anna}/$everything?_cursor=garbage`)).status, 400);
  t.equal((await fhir.get(`/Observation/${later}/$everything`)).status, 404);
});

t.test('the CapabilityStatement declares the Patient compartment, and $everything on Patient only', async (t) => {
  const { body } = await fhir.get('/metadata');
  t.same(body.rest[0].compartment, ['http://hl7.org/fhir/CompartmentDefinition/patient']);
  const everythingOn = (type: string) => (body.rest[0].resource.find((r: any) => r.type === type).operation ?? [])
    .filter((o: any) => o.name === 'everything');
  t.same(everythingOn('Patient'), [{ name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' }]);
  t.same(everythingOn('Observation'), [], 'not claimed on other types');
});
