import { readConformanceResources } from '../../src/validation/profile-registry.js';
import type { Patient, SearchParameter } from 'fhir/r4.js';
import t, { type Test } from 'tap';
import { client } from '../support/fhir-client.js';
import { observation, patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';
import { spawnServer } from '../support/server-process.js';

// no audit log: $reindex counts every stored resource, and AuditEvents would keep arriving while it runs
const server = await startServer({ audit: 'off' });
t.teardown(() => server.close());
const fhir = client(server.base);

const REGION = 'urn:egisz-fhir-server:StructureDefinition/patient-region';
const REGISTERED = 'urn:egisz-fhir-server:StructureDefinition/patient-registered';
const SUBJECTS = 'urn:oid:1.2.643.5.1.13.13.99.2.206';
const STRICT = { headers: { prefer: 'handling=strict' } };

function searchParameter(code: string, base: string[], type: string, expression: string): SearchParameter {
  return {
    resourceType: 'SearchParameter', url: `urn:test:SearchParameter/${code}`, name: code, status: 'active',
    description: `Test parameter ${code}`, code, base: base as SearchParameter['base'], type: type as SearchParameter['type'], expression,
  };
}

const regionParam = searchParameter('region', ['Patient'], 'token', `Patient.extension.where(url = '${REGION}').value`);

/** A patient registered in a subject of the Russian Federation (its code in the ФРМО subjects list). */
function patientIn(region: string, family: string, registered = '2024-01-01'): Patient {
  return {
    ...patient(family, '11223344595'),
    extension: [{ url: REGION, valueCoding: { system: SUBJECTS, code: region } }, { url: REGISTERED, valueDate: registered }],
  };
}

async function created(path: string, body: unknown): Promise<string> {
  const res = await fhir.post(path, body);
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
  return res.body.id;
}

/** The ids a search matches, in the server's order; fails the test on anything but 200. */
async function ids(t: Test, query: string, options = STRICT): Promise<string[]> {
  const res = await fhir.get(query, options);
  t.equal(res.status, 200, `GET ${query}`);
  return (res.body.entry ?? []).filter((e: any) => e.search.mode === 'match').map((e: any) => e.resource.id);
}

const sorted = (list: string[]) => [...list].sort();

let before: string;
let after77: string;
let after50: string;
let regionParamId: string;

t.test('a posted parameter applies to resources written after it; earlier ones only after $reindex', async (t) => {
  before = await created('/Patient', patientIn('77', 'Ранний'));
  t.equal((await fhir.get('/Patient?region=77', STRICT)).status, 400, 'not a parameter yet');

  const posted = await fhir.post('/SearchParameter', regionParam);
  t.equal(posted.status, 201);
  regionParamId = posted.body.id;
  after77 = await created('/Patient', patientIn('77', 'Московский'));
  after50 = await created('/Patient', patientIn('50', 'Подмосковный'));

  t.same(await ids(t, '/Patient?region=77'), [after77], 'only the patient written after the parameter');
  t.same(await ids(t, `/Patient?region=${SUBJECTS}|50`), [after50], 'system|code like any token');
  t.same(sorted(await ids(t, '/Patient?region=77,50')), sorted([after77, after50]));
  t.same(await ids(t, '/Patient?region:missing=true'), [before], ':missing like a built-in token');
  t.equal((await fhir.get('/Patient?region:exact=77', STRICT)).status, 400, 'a string modifier on a token is refused');

  const readBefore = await fhir.get(`/Patient/${before}`);
  const historyBefore = await fhir.get(`/Patient/${before}/_history`);
  const reindexed = await fhir.post('/Patient/$reindex');
  t.equal(reindexed.status, 200);
  t.same(reindexed.body, { resourceType: 'Parameters', parameter: [{ name: 'reindexed', valueInteger: 3 }] });

  t.same(sorted(await ids(t, '/Patient?region=77')), sorted([before, after77]), 'the earlier patient is found after $reindex');
  t.same(await ids(t, '/Patient?region:missing=true'), []);
  const readAfter = await fhir.get(`/Patient/${before}`);
  t.equal(readAfter.text, readBefore.text, 'the resource JSON is byte-identical');
  t.equal(readAfter.headers.get('etag'), 'W/"1"', 'no new version');
  t.equal(readAfter.headers.get('last-modified'), readBefore.headers.get('last-modified'));
  t.same((await fhir.get(`/Patient/${before}/_history`)).body.entry, historyBefore.body.entry, 'history untouched');
});

t.test('a date parameter takes prefixes and _sort like a built-in one', async (t) => {
  t.equal((await fhir.post('/SearchParameter',
    searchParameter('registered', ['Patient'], 'date', `Patient.extension.where(url = '${REGISTERED}').value`))).status, 201);
  const late = await created('/Patient', patientIn('78', 'Поздний', '2025-06-01'));
  const early = await created('/Patient', patientIn('78', 'Ранний', '2023-02-01'));
  const middle = await created('/Patient', patientIn('78', 'Средний', '2024-09-15'));
  t.same(await ids(t, '/Patient?region=78&_sort=registered'), [early, middle, late]);
  t.same(await ids(t, '/Patient?region=78&_sort=-registered'), [late, middle, early]);
  t.same(await ids(t, '/Patient?region=78&registered=ge2024-09-15&_sort=registered'), [middle, late]);
  t.same(await ids(t, '/Patient?registered=lt2024'), [early], 'patients written before it are not indexed by it');
  t.same(await ids(t, '/Patient?registered=2024-09'), [middle]);
  t.equal((await fhir.get('/Patient?registered=вчера', STRICT)).status, 400, 'a malformed date is a 400');
});

t.test('update, retire and delete of a parameter', async (t) => {
  const path = `/SearchParameter/${regionParamId}`;
  const renamed = await fhir.put(path, { ...regionParam, id: regionParamId, code: 'subject-region' });
  t.equal(renamed.status, 200);
  t.equal((await fhir.get('/Patient?region=77', STRICT)).status, 400, 'the old code is gone');
  const renamedLater = await created('/Patient', patientIn('77', 'Переименованный'));
  t.same(await ids(t, '/Patient?subject-region=77'), [renamedLater], 'the new code indexes later writes');

  t.equal((await fhir.put(path, { ...regionParam, id: regionParamId, status: 'retired' })).status, 200);
  t.equal((await fhir.get('/Patient?subject-region=77', STRICT)).status, 400, 'retired: not a search parameter');
  t.equal((await fhir.get('/Patient?region=77', STRICT)).status, 400);

  t.equal((await fhir.put(path, { ...regionParam, id: regionParamId })).status, 200, 'active again');
  t.same(sorted(await ids(t, '/Patient?region=77')), sorted([before, after77]), 'entries written under region are found again');

  t.equal((await fhir.delete(path)).status, 200);
  t.equal((await fhir.get('/Patient?region=77', STRICT)).status, 400, 'deleted: not a search parameter');
  const lenient = await fhir.get('/Patient?region=77');
  t.equal(lenient.status, 200, 'ignored and reported without handling=strict');
  t.match(lenient.body.entry.find((e: any) => e.search.mode === 'outcome').resource.issue[0].diagnostics, /region/);
});

t.test('a SearchParameter the server cannot search with is refused with 400 and not stored', async (t) => {
  const countBefore = (await fhir.get('/SearchParameter?_summary=count')).body.total;
  const bad: [string, SearchParameter, string][] = [
    // a code with a space is not an R4 `code` at all: base validation refuses it first (422)
    ['a bad code', searchParameter('no spaces', ['Patient'], 'token', 'Patient.gender'), 'FHIR_ERR_VALIDATION_FAILED'],
    ['_id redefined', searchParameter('_id', ['Patient'], 'token', 'Patient.id'), 'FHIR_ERR_SEARCH_PARAMETER_BUILT_IN'],
    ['_lastUpdated redefined', searchParameter('_lastUpdated', ['Patient'], 'date', 'Patient.meta.lastUpdated'), 'FHIR_ERR_SEARCH_PARAMETER_BUILT_IN'],
    ['a built-in code of the type', searchParameter('gender', ['Patient'], 'token', 'Patient.gender'), 'FHIR_ERR_SEARCH_PARAMETER_BUILT_IN'],
    ['an unknown base', searchParameter('colour', ['Patientt'], 'token', 'Patientt.gender'), 'FHIR_ERR_SEARCH_PARAMETER_INVALID'],
    ['no base', searchParameter('colour', [], 'token', 'Patient.gender'), 'FHIR_ERR_VALIDATION_FAILED'],
    ['an unimplemented type', searchParameter('colour', ['Patient'], 'special', 'Patient.gender'), 'FHIR_ERR_SEARCH_PARAMETER_INVALID'],
    ['an expression that does not compile', searchParameter('colour', ['Patient'], 'token', 'Patient.gender.where('), 'FHIR_ERR_SEARCH_PARAMETER_INVALID'],
    ['an expression for another type', searchParameter('colour', ['Patient'], 'token', 'Observation.status'), 'FHIR_ERR_SEARCH_PARAMETER_INVALID'],
    ['no expression', { ...searchParameter('colour', ['Patient'], 'token', ''), expression: undefined }, 'FHIR_ERR_SEARCH_PARAMETER_INVALID'],
  ];
  for (const [what, body, code] of bad) {
    const res = await fhir.post('/SearchParameter', body);
    t.equal(res.status, code === 'FHIR_ERR_VALIDATION_FAILED' ? 422 : 400, what);
    t.equal(res.body?.resourceType, 'OperationOutcome', what);
    t.equal(res.body?.issue?.[0]?.details?.coding?.[0]?.code, code, what);
  }
  const expression = (await fhir.post('/SearchParameter', searchParameter('colour', ['Patient'], 'token', 'Patient.gender.where('))).body;
  t.same(expression.issue[0].expression, ['SearchParameter.expression'], 'the issue names the element');

  t.equal((await fhir.post('/SearchParameter', searchParameter('kin', ['Patient'], 'string', 'Patient.contact.name'))).status, 201);
  const duplicate = await fhir.post('/SearchParameter', searchParameter('kin', ['RelatedPerson', 'Patient'], 'string', 'Patient.contact.name | RelatedPerson.name'));
  t.equal(duplicate.status, 400, 'a code another SearchParameter in force has on the same type');
  t.equal(duplicate.body.issue[0].details.coding[0].code, 'FHIR_ERR_SEARCH_PARAMETER_DUPLICATE');
  t.equal((await fhir.get('/SearchParameter?_summary=count')).body.total, countBefore + 1, 'only the valid one was stored');
  const retiredBuiltIn = { ...searchParameter('gender', ['Patient'], 'token', 'Patient.gender'), status: 'retired' };
  t.equal((await fhir.post('/SearchParameter', retiredBuiltIn)).status, 201, 'a retired definition is not in force, so it may repeat a code');
});

t.test('the CapabilityStatement lists a posted parameter for its base type and declares $reindex', async (t) => {
  const statement = (await fhir.get('/metadata')).body;
  const entry = (type: string) => statement.rest[0].resource.find((r: any) => r.type === type);
  const registered = entry('Patient').searchParam.find((p: any) => p.name === 'registered');
  t.same(registered, { name: 'registered', type: 'date', definition: 'urn:test:SearchParameter/registered', documentation: 'Test parameter registered' });
  t.notOk(entry('Patient').searchParam.some((p: any) => p.name === 'region'), 'a deleted parameter is not listed');
  t.notOk(entry('Observation').searchParam.some((p: any) => p.name === 'registered'), 'only on its base type');
  const reindex = { name: 'reindex', definition: 'urn:egisz-fhir-server:OperationDefinition/reindex' };
  t.same(statement.rest[0].operation, [reindex], 'system level');
  t.ok(entry('Observation').operation.some((o: any) => o.name === 'reindex'), 'type level');
});

t.test('$reindex: system level, errors, and concurrent writes are kept', async (t) => {
  t.equal((await fhir.get('/$reindex')).status, 405);
  t.equal((await fhir.post('/Nonsense/$reindex')).status, 404);
  await created('/Observation', observation(before));
  const counts = await Promise.all(['Patient', 'Observation', 'SearchParameter']
    .map(async (type) => (await fhir.get(`/${type}?_summary=count`)).body.total as number));
  const all = await fhir.post('/$reindex');
  t.equal(all.status, 200);
  const conformance = readConformanceResources().length; // the profiles/ resources every server stores at start
  t.equal(all.body.parameter[0].valueInteger, counts[0] + counts[1] + counts[2] + conformance, 'every live resource of every type');

  t.equal((await fhir.post('/SearchParameter', regionParam)).status, 201);
  const many: string[] = [];
  for (let i = 0; i < 250; i += 10) {
    many.push(...await Promise.all(Array.from({ length: 10 }, (_, j) => created('/Patient', patientIn('10', `Пациент${i + j}`)))));
  }
  const moved = many.filter((_, i) => i % 15 === 7);
  const [reindexed] = await Promise.all([
    fhir.post('/Patient/$reindex'),
    ...moved.map((id) => fhir.put(`/Patient/${id}`, { ...patientIn('11', 'Переехавший'), id })),
  ]);
  t.equal(reindexed.status, 200);
  t.same(sorted(await ids(t, '/Patient?region=11&_count=1000')), sorted(moved), 'each update is indexed by its own version');
  const stayed = await ids(t, '/Patient?region=10&_count=1000');
  t.equal(stayed.length, many.length - moved.length);
  t.notOk(stayed.some((id) => moved.includes(id)), 'no update was overwritten by a stale index');
  for (const id of moved) t.equal((await fhir.get(`/Patient/${id}`)).headers.get('etag'), 'W/"2"');
});

t.test('another server process over the same store sees a posted parameter without a restart', { skip: process.env.MONGODB_URI ? 'the test database name is private to startServer' : false }, async (t) => {
  const other = await spawnServer({ DATA_DIR: server.dataDir });
  t.teardown(() => other.stop());
  const second = client(other.base);
  t.equal((await second.get('/Observation?department=lab', STRICT)).status, 400, 'unknown at first');

  const department = 'urn:egisz-fhir-server:StructureDefinition/observation-department';
  const param = searchParameter('department', ['Observation'], 'token', `Observation.extension.where(url = '${department}').value`);
  const paramId = await created('/SearchParameter', param);
  const res = await second.post('/Observation', { ...observation(before), extension: [{ url: department, valueCode: 'lab' }] });
  t.equal(res.status, 201);
  const searched = await second.get('/Observation?department=lab', STRICT);
  t.same(searched.body.entry.map((e: any) => e.resource.id), [res.body.id], 'the other process searches and indexes by it');
  t.same(await ids(t, '/Observation?department=lab'), [res.body.id], 'and this one finds what the other indexed');

  t.equal((await second.put(`/SearchParameter/${paramId}`, { ...param, id: paramId, status: 'retired' })).status, 200);
  t.equal((await fhir.get('/Observation?department=lab', STRICT)).status, 400, 'retired through the other process');
});
