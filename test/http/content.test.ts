import t from 'tap';
import { client } from '../support/fhir-client.js';
import { patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const server = await startServer();
t.teardown(() => server.close());
const fhir = client(server.base);
const created = (await fhir.post('/Patient', { ...patient(), text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Иванов</div>' }, photo: [{ contentType: 'image/png', data: 'AAAA' }] })).body;

t.test('application/json and the old application/json+fhir are accepted as request bodies', async (t) => {
  for (const type of ['application/json', 'application/json+fhir', 'application/fhir+json; charset=utf-8']) {
    const res = await fhir.post('/Patient', patient(), { headers: { 'content-type': type } });
    t.equal(res.status, 201, type);
  }
});

t.test('_format=json and Accept: application/json are honoured; _pretty indents', async (t) => {
  t.equal((await fhir.get(`/Patient/${created.id}?_format=json`)).status, 200);
  t.equal((await fhir.get(`/Patient/${created.id}?_format=application/fhir%2Bjson`)).status, 200);
  t.equal((await fhir.get(`/Patient/${created.id}`, { headers: { accept: 'application/json' } })).status, 200);
  const pretty = await fhir.get(`/Patient/${created.id}?_pretty=true`);
  t.match(pretty.text, /\n  "resourceType": "Patient"/);
  const compact = await fhir.get(`/Patient/${created.id}`);
  t.notMatch(compact.text, /\n/);
});

t.test('_summary and _elements on read', async (t) => {
  const summary = (await fhir.get(`/Patient/${created.id}?_summary=true`)).body;
  t.ok(summary.name && summary.identifier && summary.birthDate, 'summary elements kept');
  t.notOk(summary.photo, 'photo is not a summary element');
  t.notOk(summary.text);
  t.ok(summary.meta.tag.some((tag: any) => tag.code === 'SUBSETTED'), 'marked SUBSETTED');

  const data = (await fhir.get(`/Patient/${created.id}?_summary=data`)).body;
  t.notOk(data.text);
  t.ok(data.photo);
  const text = (await fhir.get(`/Patient/${created.id}?_summary=text`)).body;
  t.ok(text.text);
  t.notOk(text.name);
  t.same(Object.keys(text).sort(), ['id', 'meta', 'resourceType', 'text']);

  const elements = (await fhir.get(`/Patient/${created.id}?_elements=birthDate,gender`)).body;
  t.same(Object.keys(elements).sort(), ['birthDate', 'gender', 'id', 'meta', 'resourceType']);
  t.ok(elements.meta.tag.some((tag: any) => tag.code === 'SUBSETTED'));

  const full = (await fhir.get(`/Patient/${created.id}?_summary=false`)).body;
  t.ok(full.photo && full.text);
  t.notOk(full.meta.tag, 'the stored resource was not changed by earlier subsetting');
});
