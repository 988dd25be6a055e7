/** Search semantics end to end: parse -> compile -> run with mingo over extracted documents. */
import t, { type Test } from 'tap';
import { FhirError } from '../../src/fhir/errors.js';
import { parseSearch } from '../../src/search/index.js';
import { chargeItems, ENP, FSLI, observations, patients, SNILS, UCUM, UNITS } from './fixtures.js';
import { filterFor, matchIds, sortedIds, toDoc } from './helpers.js';

const P = patients.map((r) => toDoc(r));
const O = observations.map((r, i) => toDoc(r, new Date(Date.UTC(2024, 3, 1 + i, 10))));
const C = chargeItems.map((r) => toDoc(r));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

function cases(t: Test, docs: typeof P, type: string, table: [string, string[]][]): void {
  for (const [query, expected] of table) t.same(matchIds(docs, type, query), expected, `${type}?${query}`);
}

t.test('token forms', async (t) => {
  cases(t, O, 'Observation', [
    ['code=1000', ['o1', 'o2']],
    [`code=${FSLI}|1000`, ['o1', 'o2']],
    ['code=http://loinc.org|1000', []],
    [`code=${FSLI}|`, ['o1', 'o2', 'o3']],
    ['code=|local-1', ['o4']],
    ['code=|1000', []],
    ['code=local-1', ['o4']],
    ['code=1000,1001', ['o1', 'o2', 'o3']],
    ['code=1000&code=1001', []],
    ['code:text=гемогл', ['o1', 'o2']],
    ['code:text=ЛЕЙК', ['o3']],
    ['status=final', ['o1', 'o3']],
    ['status=final,preliminary', ['o1', 'o2', 'o3']],
    ['status:not=final', ['o2', 'o4']],
    ['status:not=final,cancelled', ['o2']],
    ['status=final&code=1000', ['o1']],
  ]);
  cases(t, P, 'Patient', [
    ['snils=11223344595', ['p1']],
    [`snils=${SNILS}|11223344595`, ['p1']],
    ['snils=08765430300', ['p2']],
    [`identifier=${ENP}|7700000000000001`, ['p2']],
    ['identifier=7700000000000001', ['p2']],
    ['gender=female', ['p2', 'p4']],
    ['gender:not=female', ['p1', 'p3']],
    ['gender:missing=true', ['p3']],
    ['gender:missing=false', ['p1', 'p2', 'p4']],
    ['birthdate:missing=true', []],
  ]);
});

t.test('string: starts-with with folding, :exact, :contains', async (t) => {
  cases(t, P, 'Patient', [
    ['family=елк', ['p1', 'p4']],
    ['family=ЁЛК', ['p1', 'p4']],
    ['family=Ёлкин', ['p1', 'p4']],
    ['family=елкина', ['p4']],
    ['family:exact=Ёлкин', ['p1']],
    ['family:exact=ёлкин', []],
    ['family:exact=Ёлк', []],
    ['family:contains=лки', ['p1', 'p4']],
    ['family:contains=LLER', ['p3']],
    ['family:contains=.*', []],
    ['family=muller', ['p3']],
    ['family=Müll', ['p3']],
    ['given=петр', ['p1']],
    ['given=семенович', ['p1']],
    ['name=мар', ['p2']],
    ['name=jorg', ['p3']],
    ['name=ива', ['p2']],
    ['address-city=санкт-', ['p2']],
    ['address=тверская', []],
    ['address=ул. тверская', ['p1']],
    ['family=елк,мюл,иван', ['p1', 'p2', 'p4']],
    ['family=елк&given=анна', ['p4']],
  ]);
});

t.test('date precision and prefixes on birthdate (p1 2020-06-15, p2 2020, p3 2019-12-31, p4 2020-06)', async (t) => {
  cases(t, P, 'Patient', [
    ['birthdate=2020', ['p1', 'p2', 'p4']],
    ['birthdate=eq2020', ['p1', 'p2', 'p4']],
    ['birthdate=2020-06-15', ['p1']],
    ['birthdate=2020-06', ['p1', 'p4']],
    ['birthdate=ne2020', ['p3']],
    ['birthdate=ne2020-06', ['p2', 'p3']],
    ['birthdate=gt2020-06-15', ['p2', 'p4']],
    ['birthdate=lt2020-06-15', ['p2', 'p3', 'p4']],
    ['birthdate=ge2020-06-15', ['p1', 'p2', 'p4']],
    ['birthdate=le2020-06-15', ['p1', 'p2', 'p3', 'p4']],
    ['birthdate=gt2020', []],
    ['birthdate=ge2020', ['p1', 'p2', 'p4']],
    ['birthdate=lt2020', ['p3']],
    ['birthdate=le2019-12-31', ['p3']],
    ['birthdate=sa2020-05', ['p1', 'p4']],
    ['birthdate=sa2020-06-15', []],
    ['birthdate=eb2020', ['p3']],
    ['birthdate=eb2020-06-15', ['p3']],
    ['birthdate=ap2020-06-15', ['p1', 'p2', 'p3', 'p4']],
    ['birthdate=ap1990', []],
    ['birthdate=2020-06-15T12:00:00Z', []],
    ['birthdate=ge2019-12-31&birthdate=le2019-12-31', ['p3']],
  ]);
});

t.test('dates on Observation: instants with zones, Periods, open Periods', async (t) => {
  // o1 2024-03-10T09:30:00+03:00, o2 2024-03-01..2024-03-05, o3 2024-03, o4 2024-02-20..(open)
  cases(t, O, 'Observation', [
    ['date=2024-03', ['o1', 'o2', 'o3']],
    ['date=2024-03-10', ['o1']],
    ['date=2024', ['o1', 'o2', 'o3']],
    ['date=2024-03-10T06:30:00Z', ['o1']],
    ['date=2024-03-10T09:30:00%2B03:00', ['o1']],
    ['date=2024-03-10T09:30:00+03:00', ['o1']], // an unencoded "+" arrives as a space
    ['date=2024-03-10T06:30Z', ['o1']],
    ['date=2024-03-10T06:31Z', []],
    ['date=gt2024-03-31', ['o4']],
    ['date=ge2024-03-01', ['o1', 'o2', 'o3', 'o4']],
    ['date=lt2024-03-01', ['o4']],
    ['date=le2024-02-25', ['o4']],
    ['date=sa2024-02-29', ['o1', 'o2', 'o3']],
    ['date=eb2024-03-06', ['o2']],
    ['date=eb2024-02-20', []],
    ['date=ne2024-03', ['o4']],
    ['date=ge2024-03-01&date=le2024-03-05', ['o2', 'o3', 'o4']],
    ['date=2024-03-02,2024-03-10', ['o1']],
    ['date=gt9999', ['o4']],
  ]);
});

t.test('number prefixes (factor-override: c1 100, c2 100.4, c3 0.5, c4 99.5)', async (t) => {
  cases(t, C, 'ChargeItem', [
    ['factor-override=100', ['c1', 'c2', 'c4']],
    ['factor-override=100.0', ['c1']],
    ['factor-override=1e2', ['c1', 'c2', 'c4']],
    ['factor-override=0.5', ['c3']],
    ['factor-override=.5', ['c3']],
    ['factor-override=ne100', ['c3']],
    ['factor-override=gt100', ['c2']],
    ['factor-override=ge100', ['c1', 'c2']],
    ['factor-override=lt100', ['c3', 'c4']],
    ['factor-override=le100', ['c1', 'c3', 'c4']],
    ['factor-override=sa99.5', ['c1', 'c2']],
    ['factor-override=eb0.6', ['c3']],
    ['factor-override=ap95', ['c1', 'c2', 'c4']],
    ['factor-override=ap0.5', ['c3']],
    ['factor-override=-1', []],
  ]);
});

t.test('quantity prefixes and units (o1 130 g/L, o2 5.4 mmol/L, o3 100 10*9/L)', async (t) => {
  cases(t, O, 'Observation', [
    ['value-quantity=5.4', ['o2']],
    ['value-quantity=5', ['o2']],
    ['value-quantity=5.0', []],
    ['value-quantity=gt100', ['o1']],
    ['value-quantity=ge100', ['o1', 'o3']],
    ['value-quantity=lt100', ['o2']],
    ['value-quantity=le100', ['o2', 'o3']],
    ['value-quantity=ne100', ['o1', 'o2']],
    ['value-quantity=ap100', ['o3']],
    [`value-quantity=5.4|${UCUM}|mmol/L`, ['o2']],
    [`value-quantity=5.4|${UCUM}|g/L`, []],
    ['value-quantity=5.4||mmol/L', ['o2']],
    ['value-quantity=130||г/л', ['o1']],
    [`value-quantity=gt1|${UNITS}|`, ['o3']],
    [`value-quantity=gt1|${UCUM}|g/L,lt10||mmol/L`, ['o1', 'o2']],
    ['value-quantity:missing=true', ['o4']],
  ]);
});

t.test('reference forms', async (t) => {
  cases(t, O, 'Observation', [
    ['subject=Patient/p1', ['o1', 'o4']],
    ['subject=p1', ['o1', 'o4']],
    ['subject:Patient=p1', ['o1', 'o4']],
    ['subject:Group=p1', []],
    ['subject=Patient/p1/_history/7', ['o1', 'o4']],
    ['subject=Patient/p2', ['o2']],
    ['subject=https://egisz.example.ru/fhir/Patient/p2', ['o2']],
    ['subject=p1,p2', ['o1', 'o2', 'o4']],
    [`subject:identifier=${SNILS}|11223344595`, ['o3']],
    ['subject:identifier=11223344595', ['o3']],
    ['subject:identifier=|11223344595', []],
    ['patient=p1', ['o1', 'o4']],
    ['patient=Patient/p2', ['o2']],
    ['performer=Organization/lab1', ['o1']],
    ['performer=lab1', ['o1']],
    ['performer:missing=true', ['o2', 'o3', 'o4']],
    ['subject:missing=false', ['o1', 'o2', 'o3', 'o4']],
  ]);
});

t.test('uri with :below and :above', async (t) => {
  cases(t, O, 'Observation', [
    ['_profile=https://egisz.example.ru/fhir/StructureDefinition/lab-observation', ['o1']],
    ['_profile=https://egisz.example.ru/fhir/StructureDefinition', []],
    ['_profile:below=https://egisz.example.ru/fhir', ['o1']],
    ['_profile:above=https://egisz.example.ru/fhir/StructureDefinition/lab-observation/v2', ['o1']],
    ['_profile:missing=true', ['o2', 'o3', 'o4']],
  ]);
});

t.test('_id and _lastUpdated use document fields (o1..o4 updated 2024-04-01..04 10:00Z)', async (t) => {
  cases(t, O, 'Observation', [
    ['_id=o1', ['o1']],
    ['_id=o1,o3', ['o1', 'o3']],
    ['_id:not=o1', ['o2', 'o3', 'o4']],
    ['_id=nope', []],
    ['_lastUpdated=2024-04-02', ['o2']],
    ['_lastUpdated=2024-04', ['o1', 'o2', 'o3', 'o4']],
    ['_lastUpdated=gt2024-04-02', ['o3', 'o4']],
    ['_lastUpdated=ge2024-04-02', ['o2', 'o3', 'o4']],
    ['_lastUpdated=ge2024-04-02T10:00:00Z', ['o2', 'o3', 'o4']],
    ['_lastUpdated=gt2024-04-02T10:00:00Z', ['o3', 'o4']],
    ['_lastUpdated=lt2024-04-02', ['o1']],
    ['_lastUpdated=le2024-04-02', ['o1', 'o2']],
    ['_lastUpdated=ne2024-04-02', ['o1', 'o3', 'o4']],
    ['_lastUpdated=sa2024-04-03', ['o4']],
    ['_lastUpdated=eb2024-04-02', ['o1']],
    ['_lastUpdated=2024-04-01,2024-04-04', ['o1', 'o4']],
    ['_id=o1,o2&_lastUpdated=gt2024-04-01', ['o2']],
  ]);
  t.same(filterFor('Observation', '_id=o1'), { _id: 'o1' });
  const lu = filterFor('Observation', '_lastUpdated=gt2024-04-02') as { lastUpdated: { $gt: Date } };
  t.ok(lu.lastUpdated.$gt instanceof Date);
});

t.test('sorting by stored sort keys, _id and _lastUpdated', async (t) => {
  t.same(sortedIds(P, 'Patient', '_sort=birthdate'), ['p3', 'p2', 'p4', 'p1']);
  t.same(sortedIds(P, 'Patient', '_sort=-birthdate'), ['p1', 'p4', 'p2', 'p3']);
  t.same(sortedIds(P, 'Patient', '_sort=family'), ['p3', 'p1', 'p4', 'p2']);
  t.same(sortedIds(P, 'Patient', 'gender=female&_sort=-_id'), ['p4', 'p2']);
  t.same(sortedIds(O, 'Observation', '_sort=-_lastUpdated'), ['o4', 'o3', 'o2', 'o1']);
  t.same(sortedIds(O, 'Observation', '_sort=value-quantity'), ['o4', 'o2', 'o3', 'o1']);
});

t.test('user values that look like MongoDB operators stay inert', async (t) => {
  const evil = encodeURIComponent('{"$gt":""}');
  cases(t, P, 'Patient', [
    [`family=${evil}`, []],
    [`_id=${evil}`, []],
    [`_id=${encodeURIComponent('{"$ne":null}')}`, []],
    [`family:contains=${encodeURIComponent('$where')}`, []],
    [`gender=${encodeURIComponent('$exists')}`, []],
  ]);
  const filter = JSON.stringify(filterFor('Patient', `family=${evil}&$where=1&gender[$ne]=x`));
  t.notOk(filter.includes('$where'), 'an operator-named parameter never reaches the filter');
  t.ok(filter.includes('{\\"$gt\\":\\"\\"}'), 'the value is kept as a plain string');
  const req = parseSearch('Patient', new URLSearchParams('$where=1&gender[$ne]=x'));
  t.same(req.unknown, ['$where', 'gender[$ne]']);
});

t.test('malformed values are FhirError 400', async (t) => {
  const bad: [string, string][] = [
    ['Patient', 'birthdate=2020-13'],
    ['Patient', 'birthdate=2020-02-30'],
    ['Patient', 'birthdate=yesterday'],
    ['Patient', 'birthdate=gt'],
    ['Patient', 'birthdate=2020-06-15T25:00:00Z'],
    ['Observation', 'value-quantity=abc'],
    ['Observation', 'value-quantity=5|x'],
    ['ChargeItem', 'factor-override=ten'],
    ['ChargeItem', 'factor-override=gt1,2x'],
    ['Patient', '_count=abc'],
    ['Patient', '_count=-1'],
    ['Patient', '_offset=1.5'],
    ['Patient', '_sort=nonexistent'],
    ['Patient', '_total=all'],
    ['Patient', '_summary=yes'],
    ['Patient', 'gender:missing=maybe'],
    ['Patient', 'family:below=x'],
    ['Patient', 'gender:in=http://x'],
    ['Patient', 'identifier=a|b|c'],
    ['Patient', 'identifier=|'],
    ['Observation', 'subject:identifier=a|b|c'],
    ['Observation', 'subject:Practitioner=1'],
    ['Observation', 'subject:Patient=Group/1'],
  ];
  for (const [type, query] of bad) {
    const err = thrown(() => parseSearch(type, new URLSearchParams(query)));
    t.ok(err instanceof FhirError && err.status === 400 && err.code === 'FHIR_ERR_PARAM_INVALID', `${type}?${query} -> 400`);
  }
  const err = thrown(() => parseSearch('Patient', new URLSearchParams('birthdate=2020-13')));
  t.match((err as Error | undefined)?.message, /birthdate.*2020-13.*not a valid date/);
});

t.test('escaping: \\, and \\| are literal', async (t) => {
  const docs = [toDoc({ resourceType: 'Patient', id: 'e1', identifier: [{ system: 'urn:x', value: 'a,b|c' }], name: [{ family: 'Smith, Jr' }] })];
  cases(t, docs, 'Patient', [
    ['identifier=urn:x|a\\,b\\|c', ['e1']],
    ['identifier=a\\,b\\|c', ['e1']],
    ['identifier=a,b', []],
    ['family=smith\\, j', ['e1']],
    ['family=smithx, jr', []],
  ]);
});
