/** System-level search (GET [base]?_type=...) over real HTTP. */
import t from 'tap';
import { client } from '../support/fhir-client.js';
import { observation, patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const server = await startServer();
t.teardown(() => server.close());
const fhir = client(server.base);

const tag = { system: 'urn:oid:1.2.643.5.1.13.13.99.2.285', code: 'R' };
const anna = (await fhir.post('/Patient', { ...patient('Смирнова', '11223344595'), meta: { security: [tag] } })).body.id as string;
const result = (await fhir.post('/Observation', { ...observation(anna), meta: { security: [tag] } })).body.id as string;
const plain = (await fhir.post('/Observation', observation(anna, '2000'))).body.id as string;
const lab = (await fhir.post('/Organization', { resourceType: 'Organization', name: 'КДЛ', meta: { security: [tag] } })).body.id as string;
const removed = (await fhir.post('/Organization', { resourceType: 'Organization', name: 'Закрытая', meta: { security: [tag] } })).body.id as string;
await fhir.delete(`/Organization/${removed}`);

const ids = (bundle: any): string[] => (bundle.entry ?? []).filter((e: any) => e.search.mode === 'match').map((e: any) => e.resource.id);
const next = (bundle: any): string | undefined => bundle.link.find((l: any) => l.relation === 'next')?.url;
const previous = (bundle: any): string | undefined => bundle.link.find((l: any) => l.relation === 'previous')?.url;

t.test('searches every type, or those in _type, with the parameters they share', async (t) => {
  const secured = await fhir.get(`/?_security=${tag.system}|R&_total=accurate`);
  t.equal(secured.status, 200);
  t.equal(secured.body.type, 'searchset');
  t.same(ids(secured.body).sort(), [anna, result, lab].sort(), 'all types; the deleted Organization is not found');
  t.equal(secured.body.total, 3);
  t.ok(secured.body.entry.every((e: any) => e.fullUrl === `${server.base}/${e.resource.resourceType}/${e.resource.id}`));
  const restricted = await fhir.get(`/?_type=Observation,Patient&_security=${tag.system}|R`);
  t.same(ids(restricted.body).sort(), [anna, result].sort(), '_type restricts the types');
  t.same(ids((await fhir.get(`?_id=${plain}`)).body), [plain], '_id across types, at the base URL without a slash');
  t.same(ids((await fhir.get(`/?_type=Observation&code=2000`)).body), [plain], 'a type\'s own parameters with a single _type');
  const count = await fhir.get(`/?_type=Observation,Organization&_summary=count`);
  t.equal(count.body.total, 3);
  t.notOk(count.body.entry?.length);
  const posted = await fhir.send('POST', '/_search', { raw: `_id=${lab}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.same(ids(posted.body), [lab], 'POST _search with a form');
});

t.test('pages across types without skipping or repeating, forwards and back', async (t) => {
  const pages: string[][] = [];
  let url: string | undefined = `/?_security=${tag.system}|R&_count=1`;
  let last: any;
  while (url) {
    last = await fhir.get(url);
    t.ok(ids(last.body).length <= 1);
    pages.push(ids(last.body));
    url = next(last.body);
  }
  t.same(pages.flat().sort(), [anna, result, lab].sort());
  t.notOk(previous((await fhir.get(`/?_security=${tag.system}|R&_count=1`)).body), 'no previous link on the first page');
  const back: string[][] = [];
  for (let url = previous(last.body); url; ) {
    const page = await fhir.get(url);
    back.unshift(ids(page.body));
    url = previous(page.body);
  }
  t.same(back, pages.slice(0, -1), 'previous links lead back through the same pages');
});

t.test('what a system-level search cannot answer is a 400 or 404, never ignored', async (t) => {
  const notShared = await fhir.get('/?code=1000');
  t.equal(notShared.status, 400, 'a parameter only some types have');
  t.equal(notShared.body.resourceType, 'OperationOutcome');
  t.equal((await fhir.get('/?_type=Patient,Observation&family=Смирнова')).status, 400);
  for (const param of ['_sort=_id', '_include=Observation:subject', '_revinclude=Provenance:target']) {
    t.equal((await fhir.get(`/?_type=Observation&${param}`)).status, 400, `${param} is refused`);
  }
  t.equal((await fhir.get('/?_type=Nonsense')).status, 404);
  t.equal((await fhir.get('/?_cursor=garbage')).status, 400);
  const lenient = await fhir.get('/?_type=Patient&colour=green');
  t.equal(lenient.status, 200, 'a parameter no type knows is ignored and reported');
  t.match(lenient.body.entry.at(-1), { search: { mode: 'outcome' }, resource: { resourceType: 'OperationOutcome' } });
  t.equal((await fhir.get('/?_type=Patient&colour=green', { headers: { prefer: 'handling=strict' } })).status, 400);
});

t.test('the CapabilityStatement declares search-system', async (t) => {
  const { body } = await fhir.get('/metadata');
  t.ok(body.rest[0].interaction.some((i: any) => i.code === 'search-system'));
});
