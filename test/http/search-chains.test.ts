/** Chained parameters (search.html#chaining) and reverse chains (search.html#has) over HTTP. */
import t from 'tap';
import type { DiagnosticReport, Location, Provenance } from 'fhir/r4.js';
import { client } from '../support/fhir-client.js';
import { observation, patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const server = await startServer();
t.teardown(() => server.close());
const fhir = client(server.base);
const SNILS = 'urn:oid:1.2.643.100.3';

async function create(path: string, body: unknown): Promise<string> {
  const res = await fhir.post(path, body);
  if (res.status !== 201) throw new Error(`${path}: ${res.status} ${res.text}`);
  return res.body.id;
}

const ivanov = await create('/Patient', patient('Иванов', '11223344595'));
const yolkin = await create('/Patient', { ...patient('Ёлкин', '12345678964'), gender: 'female' });
const petrov = await create('/Patient', patient('Петров', '55566677750'));
const lab: Location = { resourceType: 'Location', name: 'Петровская лаборатория' };
const labId = await create('/Location', lab);

const o1 = await create('/Observation', observation(ivanov, '1000'));
const o2 = await create('/Observation', observation(ivanov, '2000'));
const o3 = await create('/Observation', observation(yolkin, '1000'));
const o4 = await create('/Observation', observation(petrov, '2000'));
const o5 = await create('/Observation', { ...observation(ivanov, '1000'), subject: { reference: `Location/${labId}` } });

function report(status: DiagnosticReport['status'], results: string[]): DiagnosticReport {
  return {
    resourceType: 'DiagnosticReport',
    status,
    code: { coding: [{ system: 'http://loinc.org', code: '58410-2' }] },
    result: results.map((id) => ({ reference: `Observation/${id}` })),
  };
}
const dr1 = await create('/DiagnosticReport', report('final', [o1]));
const dr2 = await create('/DiagnosticReport', report('final', [o3]));
const dr3 = await create('/DiagnosticReport', report('preliminary', [o4, o5]));

const provenance: Provenance = {
  resourceType: 'Provenance',
  target: [{ reference: `Observation/${o4}` }],
  recorded: '2024-03-01T12:00:00+03:00',
  agent: [{ who: { reference: 'Practitioner/doc-1' } }],
  location: { reference: `Location/${labId}` },
};
await create('/Provenance', provenance);

/** The ids of a searchset's matches, in the order the server gave them. */
async function searchIds(query: string): Promise<string[]> {
  const res = await fhir.get(query);
  if (res.status !== 200) throw new Error(`${query}: ${res.status} ${res.text}`);
  return res.body.entry?.filter((e: any) => e.search.mode === 'match').map((e: any) => e.resource.id) ?? [];
}

/** Expected matches in the default order (by id). */
const byId = (...ids: string[]): string[] => [...ids].sort();

const q = encodeURIComponent;

t.test('one-level chain by identifier and by name', async (t) => {
  t.same(await searchIds(`/Observation?subject:Patient.identifier=${SNILS}|11223344595`), byId(o1, o2));
  t.same(await searchIds(`/Observation?subject:Patient.identifier=${SNILS}|12345678964,${SNILS}|55566677750`), byId(o3, o4),
    'comma values of the chained parameter are OR');
  t.same(await searchIds(`/Observation?subject:Patient.family=${q('иванов')}`), byId(o1, o2));
  t.same(await searchIds(`/Observation?subject:Patient.name=${q('иванович')}`), byId(o1, o2, o3, o4), 'every patient has that given name');
  t.same(await searchIds(`/Observation?subject:Patient.name=${q('ЕЛКИН')}`), [o3], 'ё is found by е, case-insensitively');
  t.same(await searchIds(`/Observation?subject:Patient.name=${q('ёлк')}&code=1000`), [o3], 'a chain ANDs with other parameters');
});

t.test('typed and untyped chains', async (t) => {
  t.same(await searchIds(`/Observation?subject.name=${q('петров')}`), byId(o4, o5),
    'untyped: every target type with a name parameter (Patient and Location)');
  t.same(await searchIds(`/Observation?subject:Location.name=${q('петров')}`), [o5]);
  t.same(await searchIds(`/Observation?subject:Patient.name=${q('петров')}`), [o4]);
  t.same(await searchIds(`/Observation?patient.name=${q('петров')}`), [o4], 'a parameter with one target type');
  t.same(await searchIds(`/Observation?subject.family=${q('петров')}`), [o4], 'untyped: only Patient has family');
});

t.test('chains over two references', async (t) => {
  t.same(await searchIds(`/DiagnosticReport?result.subject:Patient.identifier=${SNILS}|11223344595`), [dr1]);
  t.same(await searchIds(`/DiagnosticReport?result.subject:Patient.family=${q('ёлкин')}`), [dr2]);
  t.same(await searchIds(`/DiagnosticReport?result.subject:Location.name=${q('петров')}`), [dr3]);
  t.same(await searchIds(`/DiagnosticReport?result.subject.name=${q('петров')},${q('ёлкин')}`), byId(dr2, dr3),
    'untyped second link: Petrov and the lab (dr3), Yolkin (dr2)');
  t.same(await searchIds(`/DiagnosticReport?result.patient.gender=female`), [dr2]);
});

t.test('a modifier at the end of the chain', async (t) => {
  t.same(await searchIds(`/Observation?subject:Patient.name:exact=${q('Ёлкин')}`), [o3]);
  t.same(await searchIds(`/Observation?subject:Patient.name:exact=${q('Елкин')}`), [], ':exact does not fold ё');
  t.same(await searchIds(`/Observation?subject:Patient.name:contains=${q('тро')}`), [o4]);
  t.same(await searchIds('/Observation?subject:Patient.gender:not=male'), [o3]);
  t.same(await searchIds(`/Observation?subject:Patient.identifier:missing=false&code=2000`), byId(o2, o4));
});

t.test('_has: reverse chains', async (t) => {
  t.same(await searchIds('/Patient?_has:Observation:patient:code=1000'), byId(ivanov, yolkin));
  t.same(await searchIds('/Patient?_has:Observation:patient:code=2000,9999'), byId(ivanov, petrov), 'comma values are OR');
  t.same(await searchIds('/Patient?_has:Observation:patient:code=1000&_has:Observation:patient:code=2000'), [ivanov],
    'a repeated _has is AND');
  t.same(await searchIds('/Patient?_has:Observation:patient:code=1000&gender=female'), [yolkin], '_has ANDs with other parameters');
  t.same(await searchIds('/Location?_has:Observation:subject:code=1000'), [labId], 'only references to the searched type count');
  t.same(await searchIds('/Observation?_has:DiagnosticReport:result:status=preliminary'), byId(o4, o5));
});

t.test('nested _has and _has with a chain inside', async (t) => {
  t.same(await searchIds('/Patient?_has:Observation:patient:_has:Provenance:target:agent=Practitioner/doc-1'), [petrov]);
  t.same(await searchIds('/Patient?_has:Observation:patient:_has:DiagnosticReport:result:status=final'), byId(ivanov, yolkin));
  t.same(await searchIds(`/Patient?_has:Observation:patient:_has:DiagnosticReport:result:status=final&name=${q('елкин')}`), [yolkin]);
  t.same(await searchIds(`/Location?_has:Observation:subject:subject:Location.name=${q('петров')}`), [labId]);
});

t.test('an inner search that matches nothing makes the search match nothing', async (t) => {
  for (const query of [
    `/Observation?subject:Patient.name=${q('сидоров')}`,
    `/Observation?subject.identifier=${SNILS}|00000000000`,
    `/DiagnosticReport?result.subject:Patient.name=${q('сидоров')}`,
    '/Patient?_has:Observation:patient:code=7777',
    '/Patient?_has:Observation:patient:_has:Provenance:target:agent=Practitioner/nobody',
  ]) {
    const res = await fhir.get(query);
    t.equal(res.status, 200, query);
    t.equal(res.body.total, 0, query);
  }
  t.same(await searchIds(`/Observation?subject:Patient.name=${q('сидоров')}&subject:Patient.family=${q('иванов')}`), [],
    'AND of an empty chain and a matching one');
});

t.test('empty chained values are ignored like other empty parameters', async (t) => {
  t.equal((await fhir.get('/Observation?subject:Patient.name=')).body.total, 5);
  t.equal((await fhir.get('/Patient?_has:Observation:patient:code=')).body.total, 3);
});

t.test('malformed chains are 400 with an OperationOutcome naming the problem', async (t) => {
  const cases: [string, RegExp][] = [
    ['/Observation?code.name=x', /code is a token parameter; only reference parameters can be chained/],
    ['/Observation?subject:Patient.colour=x', /"colour" \(in subject:Patient\.colour\) for Patient/],
    ['/Observation?subject.colour=x', /"colour" \(in subject\.colour\) for Group, Device, Patient, Location/],
    ['/Observation?subject:Organization.name=x', /Organization is not a target type of subject/],
    ['/Observation?subject:missing.name=x', /only a resource type may follow "subject:"/],
    ['/DiagnosticReport?result.subject:Patient.colour=x', /"colour"/],
    ['/Patient?_has:Foo:patient:code=1', /"Foo" is not a resource type/],
    ['/Patient?_has:Observation:colour:code=1', /"colour" is not a reference parameter of Observation/],
    ['/Patient?_has:Observation:code:code=1', /"code" is not a reference parameter of Observation/],
    ['/Patient?_has:DiagnosticReport:result:code=1', /DiagnosticReport\.result cannot refer to a Patient/],
    ['/Patient?_has:Observation:patient:colour=1', /"colour" \(in _has:Observation:patient:colour\) for Observation/],
    ['/Patient?_has:Observation:patient=1', /use _has:\[type\]:\[reference parameter\]:\[parameter\]/],
    ['/Observation?subject:Patient.birthdate=yesterday', /birthdate/],
    ['/Observation?has-member.has-member.has-member.has-member.has-member.code=x', /at most 4 links/],
  ];
  for (const [query, message] of cases) {
    const res = await fhir.get(query);
    t.equal(res.status, 400, query);
    t.equal(res.body.resourceType, 'OperationOutcome', query);
    t.match(res.body.issue[0].diagnostics, message, query);
  }
});

t.test('conditional interactions resolve chains too (an ignored chain would widen the match)', async (t) => {
  const onlyIvanov = { headers: { 'if-none-exist': '_has:Observation:patient:code=1000&gender=male' } };
  const existing = await fhir.post('/Patient', patient('Иванов', '11223344595'), onlyIvanov);
  t.equal(existing.status, 200, 'gender=male alone would match Ivanov and Petrov: 412');
  t.equal(existing.body.id, ivanov);
  const byChain = { headers: { 'if-none-exist': `subject:Patient.family=${q('петров')}&code=2000` } };
  const found = await fhir.post('/Observation', observation(petrov, '2000'), byChain);
  t.equal(found.status, 200);
  t.equal(found.body.id, o4);
  t.equal((await fhir.get('/Patient?_summary=count')).body.total, 3, 'nothing was created');
});
