/**
 * Composite parameters and the token :in / :not-in / :above / :below modifiers over real HTTP
 * against a real embedded store (expected ids hand-checked from the resources posted here).
 */
import t from 'tap';
import type { Observation } from 'fhir/r4.js';
import { client } from '../support/fhir-client.js';
import { observation, patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const server = await startServer();
t.teardown(() => server.close());
const fhir = client(server.base);

const FSLI = 'urn:oid:1.2.643.5.1.13.13.11.1080'; // codes invented for tests
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const SYSTOLIC = '8480-6';
const DIASTOLIC = '8462-4';
const GROUPS = 'https://egisz.example.ru/fhir/CodeSystem/lab-groups'; // profiles/, invented
const STATUS = 'http://hl7.org/fhir/observation-status';

const ivanov = (await fhir.post('/Patient', patient('Иванов', '11223344595'))).body.id as string;
const unknownGender = { ...patient('Петров', '12345678964') };
delete unknownGender.gender;
await fhir.post('/Patient', unknownGender);

/** Server ids by the names the tests use. */
const ids: Record<string, string> = {};
async function post(name: string, resource: Observation): Promise<void> {
  const res = await fhir.post('/Observation', resource);
  if (res.status !== 201) throw new Error(`${name}: ${res.status} ${res.text}`);
  ids[name] = res.body.id;
}

function bloodPressure(systolic: number, diastolic: number): Observation {
  const part = (code: string, value: number) => ({
    code: { coding: [{ system: LOINC, code }] },
    valueQuantity: { value, unit: 'мм рт. ст.', system: UCUM, code: 'mm[Hg]' },
  });
  return {
    ...observation(ivanov, 'unused'), code: { coding: [{ system: LOINC, code: '85354-9' }] },
    valueQuantity: undefined, component: [part(SYSTOLIC, systolic), part(DIASTOLIC, diastolic)],
  };
}

function grouped(code: string, status: Observation['status'] = 'final'): Observation {
  return { ...observation(ivanov), status, code: { coding: [{ system: GROUPS, code }] }, valueQuantity: undefined };
}

await post('bp-normal', bloodPressure(120, 80));
await post('bp-high', bloodPressure(150, 95));
await post('bp-low', bloodPressure(95, 60));
await post('hb-135', observation(ivanov, '1000')); // 135 g/L
await post('hb-118', { ...observation(ivanov, '1000'), valueQuantity: { value: 118, unit: 'г/л', system: UCUM, code: 'g/L' } });
await post('wbc-6', { ...observation(ivanov, '1001'), valueQuantity: { value: 6, unit: '10^9/л', system: UCUM, code: '10*9/L' } });
await post('dollar', { ...observation(ivanov, 'a$b'), valueQuantity: undefined, valueString: 'Стоимость 5$' });
await post('hgb', grouped('hgb'));
await post('wbc', grouped('wbc', 'amended'));
await post('esr', grouped('esr', 'corrected'));
await post('glucose', grouped('glucose', 'preliminary'));

/** The names of the matches of a search, sorted (the default order is by id, not by name). */
async function names(query: string): Promise<string[]> {
  const res = await fhir.get(`/Observation?${query}&_count=100`, { headers: { prefer: 'handling=strict' } });
  if (res.status !== 200) throw new Error(`${query}: ${res.status} ${res.text}`);
  const byId = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
  return res.body.entry?.map((e: any) => byId.get(e.resource.id)).sort() ?? [];
}

const q = encodeURIComponent;

t.test('composite: code and value must come from the same component', async (t) => {
  t.same(await names(`component-code-value-quantity=${q(`${LOINC}|${SYSTOLIC}$lt100`)}`), ['bp-low'],
    'bp-normal has a systolic and a value below 100, but in different components');
  t.same(await names(`component-code-value-quantity=${q(`${LOINC}|${DIASTOLIC}$lt100`)}`), ['bp-high', 'bp-low', 'bp-normal']);
  t.same(await names(`component-code-value-quantity=${q(`${SYSTOLIC}$gt100`)}&component-code-value-quantity=${q(`${DIASTOLIC}$gt90`)}`),
    ['bp-high'], 'two parameters are ANDed over the resource');
  t.same(await names(`combo-code-value-quantity=${q(`${SYSTOLIC}$ge150,${FSLI}|1000$ge130`)}`), ['bp-high', 'hb-135']);
  t.same(await names(`code-value-quantity=${q(`${LOINC}|${SYSTOLIC}$gt0`)}`), [], 'component values are not the Observation value');
});

t.test('composite: prefixes and units on the quantity', async (t) => {
  t.same(await names(`code-value-quantity=${q(`${FSLI}|1000$gt120`)}`), ['hb-135']);
  t.same(await names(`code-value-quantity=${q(`${FSLI}|1000$le120`)}`), ['hb-118']);
  t.same(await names(`code-value-quantity=${q(`${FSLI}|1000$ne135`)}`), ['hb-118']);
  t.same(await names(`code-value-quantity=${q(`1000$135|${UCUM}|g/L`)}`), ['hb-135']);
  t.same(await names(`code-value-quantity=${q(`1000$135|${UCUM}|mmol/L`)}`), []);
  t.same(await names(`code-value-quantity=${q(`${FSLI}|$gt5`)}`), ['hb-118', 'hb-135', 'wbc-6'], 'any code of the system');
  t.same(await names(`code-value-quantity=${q('1001$6')}`), ['wbc-6']);
});

t.test('composite: an escaped $ belongs to the value', async (t) => {
  t.same(await names(`code-value-string=${q('a\\$b$стоим')}`), ['dollar']);
  t.same(await names(`code-value-string=${q('a\\$b$Стоимость 5\\$')}`), ['dollar']);
  t.same(await names(`code-value-string=${q('a\\$b$5')}`), []);
});

t.test('composite: malformed values are 400 OperationOutcomes', async (t) => {
  for (const value of ['1000', '1000$5$6', '1000$abc', '$5']) {
    const res = await fhir.get(`/Observation?code-value-quantity=${q(value)}`);
    t.equal(res.status, 400, value);
    t.equal(res.body.resourceType, 'OperationOutcome');
    t.match(res.body.issue[0].diagnostics, /code-value-quantity/);
  }
});

t.test(':in and :not-in with R4 and profiles/ ValueSets', async (t) => {
  const all = Object.keys(ids).sort();
  t.same(await names(`status:in=${q('http://hl7.org/fhir/ValueSet/observation-status')}`), all);
  t.same(await names(`status:not-in=${q('http://hl7.org/fhir/ValueSet/observation-status')}`), []);
  t.same(await names(`code:in=${q('https://egisz.example.ru/fhir/ValueSet/blood-count')}`), ['hgb', 'wbc']);
  t.same(await names(`code:in=${q('https://egisz.example.ru/fhir/ValueSet/lab-groups-no-hematology')}`), ['glucose']);
  t.same(await names(`code:not-in=${q('https://egisz.example.ru/fhir/ValueSet/blood-count')}&code=${q(`${GROUPS}|`)}`), ['esr', 'glucose']);
  const gendered = await fhir.get(`/Patient?gender:in=${q('http://hl7.org/fhir/ValueSet/administrative-gender')}`);
  t.same(gendered.body.entry.map((e: any) => e.resource.id), [ivanov], 'the patient without a gender is not in the set');
  const outside = await fhir.get(`/Patient?gender:not-in=${q('http://hl7.org/fhir/ValueSet/administrative-gender')}`);
  t.same(outside.body.entry.map((e: any) => e.resource.name[0].family), ['Петров']);
});

t.test(':above and :below over a local hierarchy', async (t) => {
  t.same(await names(`code:below=${q(`${GROUPS}|hematology`)}`), ['esr', 'hgb', 'wbc']);
  t.same(await names(`code:below=${q(`${GROUPS}|cbc`)}`), ['hgb', 'wbc']);
  t.same(await names(`code:below=${q(`${GROUPS}|biochemistry`)}`), ['glucose']);
  t.same(await names(`code:above=${q(`${GROUPS}|hgb`)}`), ['hgb']);
  t.same(await names(`status:below=${q(`${STATUS}|amended`)}`), ['esr', 'wbc'], 'corrected is below amended');
  t.same(await names(`status:above=${q(`${STATUS}|corrected`)}`), ['esr', 'wbc']);
});

t.test('terminology that is not local is a 400 that says why', async (t) => {
  const table: [string, RegExp][] = [
    [`code:in=${q('http://example.org/ValueSet/nope')}`, /ValueSet http:\/\/example.org\/ValueSet\/nope is not known/],
    [`code:in=${q('https://egisz.example.ru/fhir/ValueSet/lab-groups-filtered')}`, /cannot expand locally/],
    [`code:in=${q('http://hl7.org/fhir/ValueSet/observation-codes')}`, /cannot expand locally/],
    [`code:below=${q(`${LOINC}|85354-9`)}`, /hierarchy of code system http:\/\/loinc.org is not known/],
    ['code:below=hematology', /needs system\|code/],
  ];
  for (const [query, reason] of table) {
    const res = await fhir.get(`/Observation?${query}`);
    t.equal(res.status, 400, query);
    t.equal(res.body.issue[0].code, 'invalid');
    t.match(res.body.issue[0].diagnostics, reason, query);
  }
});

t.test('the CapabilityStatement lists the composite parameters', async (t) => {
  const statement = (await fhir.get('/metadata')).body;
  const obs = statement.rest[0].resource.find((r: any) => r.type === 'Observation');
  const composites = obs.searchParam.filter((p: any) => p.type === 'composite').map((p: any) => p.name).sort();
  t.same(composites, ['code-value-concept', 'code-value-date', 'code-value-quantity', 'code-value-string',
    'combo-code-value-concept', 'combo-code-value-quantity', 'component-code-value-concept', 'component-code-value-quantity']);
  t.equal(obs.searchParam.find((p: any) => p.name === 'code-value-quantity').definition,
    'http://hl7.org/fhir/SearchParameter/Observation-code-value-quantity');
});
