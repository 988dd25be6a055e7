/** Index extraction: hand-checked entries from HL7 R4 examples and Russian fixtures. */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Observation, ServiceRequest } from 'fhir/r4.js';
import { extractIndexEntries, extractSearchIndex, extractSortKeys, type IndexEntries, type IndexEntry } from '../../src/search/index.js';
import { MAX_DATE } from '../../src/search/date-range.js';
import { FSLI, observations, patients, SNILS, UCUM } from './fixtures.js';

const EXAMPLES = path.resolve(process.cwd(), '../shared/data/r4-examples');
const haveExamples = fs.existsSync(EXAMPLES);

function example(name: string): { resourceType: string; id?: string } {
  return JSON.parse(fs.readFileSync(path.join(EXAMPLES, name), 'utf8'));
}

function entriesOf(idx: IndexEntries, p: string): IndexEntry[] {
  return Object.values(idx).flat().filter((e) => e.p === p);
}

const d = (iso: string) => new Date(iso);

t.test('HL7 patient-example', { skip: !haveExamples && 'r4-examples not available' }, async (t) => {
  const idx = extractIndexEntries(example('patient-example.json'), { strict: true });
  t.same(entriesOf(idx, 'identifier'), [{ p: 'identifier', s: 'urn:oid:1.2.36.146.595.217.0.1', c: '12345' }]);
  t.same(entriesOf(idx, 'family').map((e) => [e.n, e.x]), [['chalmers', 'Chalmers'], ['windsor', 'Windsor']]);
  t.same(entriesOf(idx, 'given').map((e) => e.n), ['peter', 'james', 'jim'], 'Peter James appears twice but is indexed once');
  t.same(entriesOf(idx, 'birthdate'), [{ p: 'birthdate', lo: d('1974-12-25T00:00:00.000Z'), hi: d('1974-12-25T23:59:59.999Z') }]);
  t.same(entriesOf(idx, 'gender'), [{ p: 'gender', c: 'male' }]);
  t.same(entriesOf(idx, 'active'), [{ p: 'active', c: 'true' }]);
  t.same(entriesOf(idx, 'deceased'), [{ p: 'deceased', c: 'false' }]);
  t.same(entriesOf(idx, 'organization'), [{ p: 'organization', r: 'Organization/1' }]);
  t.same(entriesOf(idx, 'phone').map((e) => e.c), ['(03) 5555 6473', '(03) 3410 5613', '(03) 5555 8834']);
  t.same(entriesOf(idx, 'address-city'), [{ p: 'address-city', n: 'pleasantville', x: 'PleasantVille' }]);
  t.same(entriesOf(idx, '_id'), [], '_id lives in the document, not in idx');
  t.same(entriesOf(idx, 'snils'), []);
  t.same(Object.keys(idx).sort(), ['date', 'reference', 'string', 'token'], 'entries are grouped by parameter type');
  t.ok(idx.token!.some((e) => e.p === 'gender') && idx.date!.some((e) => e.p === 'birthdate') && idx.string!.some((e) => e.p === 'family'));
});

t.test('HL7 observation-example-f001-glucose', { skip: !haveExamples && 'r4-examples not available' }, async (t) => {
  const { idx, sk } = extractSearchIndex(example('observation-example-f001-glucose.json'), { strict: true });
  t.same(entriesOf(idx, 'code'), [{ p: 'code', s: 'http://loinc.org', c: '15074-8', t: 'glucose [moles/volume] in blood' }]);
  t.same(entriesOf(idx, 'date'), [{ p: 'date', lo: d('2013-04-02T08:30:10.000Z'), hi: MAX_DATE }], 'open Period, +01:00');
  t.same(entriesOf(idx, 'value-quantity'), [{ p: 'value-quantity', v: 6.3, lo: 6.25, hi: 6.35, s: UCUM, c: 'mmol/L', u: 'mmol/l' }]);
  t.same(entriesOf(idx, 'subject'), [{ p: 'subject', r: 'Patient/f001' }]);
  t.same(entriesOf(idx, 'patient'), [{ p: 'patient', r: 'Patient/f001' }]);
  t.same(entriesOf(idx, 'performer'), [{ p: 'performer', r: 'Practitioner/f005' }]);
  t.same(entriesOf(idx, 'status'), [{ p: 'status', c: 'final' }]);
  t.same(entriesOf(idx, 'identifier'), [{ p: 'identifier', s: 'http://www.bmc.nl/zorgportal/identifiers/observations', c: '6323' }]);
  t.same(sk.date, d('2013-04-02T08:30:10.000Z'));
  t.equal(sk['value-quantity'], 6.3);
});

t.test('HL7 observation-example-bloodpressure: components', { skip: !haveExamples && 'r4-examples not available' }, async (t) => {
  const idx = extractIndexEntries(example('observation-example-bloodpressure.json'), { strict: true });
  t.same(entriesOf(idx, 'component-value-quantity').map((e) => e.v), [107, 60]);
  t.same(entriesOf(idx, 'combo-code').filter((e) => e.s === 'http://loinc.org').map((e) => e.c), ['85354-9', '8480-6', '8462-4']);
  t.same(entriesOf(idx, 'value-quantity'), []);
  t.same(entriesOf(idx, 'based-on'), [{ p: 'based-on', i: 'https://acme.org/identifiers|1234' }]);
  t.same(entriesOf(idx, '_profile'), [{ p: '_profile', u: 'http://hl7.org/fhir/StructureDefinition/vitalsigns' }]);
});

t.test('HL7 consent-example-notTime', { skip: !haveExamples && 'r4-examples not available' }, async (t) => {
  const idx = extractIndexEntries(example('consent-example-notTime.json'), { strict: true });
  t.same(entriesOf(idx, 'period'), [{ p: 'period', lo: d('2015-01-01T00:00:00.000Z'), hi: d('2015-02-01T23:59:59.999Z') }]);
  t.same(entriesOf(idx, 'date'), [{ p: 'date', lo: d('2015-11-18T00:00:00.000Z'), hi: d('2015-11-18T23:59:59.999Z') }]);
  t.same(entriesOf(idx, 'patient'), [{ p: 'patient', r: 'Patient/f001' }]);
  t.same(entriesOf(idx, 'scope'), [{ p: 'scope', s: 'http://terminology.hl7.org/CodeSystem/consentscope', c: 'patient-privacy' }]);
  t.same(entriesOf(idx, 'status'), [{ p: 'status', c: 'active' }]);
});

/** Every resource in every example file (bundles opened) extracts without an expression error. */
t.test('every HL7 example extracts cleanly', { skip: !haveExamples && 'r4-examples not available' }, async (t) => {
  const resources: { resourceType: string }[] = [];
  for (const file of fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'))) {
    const json = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'));
    resources.push(json, ...(json.entry ?? []).flatMap((e: { resource?: { resourceType: string } }) => (e.resource ? [e.resource] : [])));
  }
  let entries = 0;
  for (const resource of resources) {
    const idx = Object.values(extractIndexEntries(resource, { strict: true })).flat();
    entries += idx.length;
    const keys = idx.map((e) => JSON.stringify(e));
    if (new Set(keys).size !== keys.length) t.fail(`duplicate entries in ${resource.resourceType}`);
    for (const e of idx) {
      if (e.lo !== undefined && typeof e.v !== 'number' && !(e.lo instanceof Date && e.hi instanceof Date)) t.fail(`date entry without Date objects: ${e.p}`);
    }
  }
  t.ok(resources.length > 150, `${resources.length} resources`);
  t.ok(entries > 3000, `${entries} index entries`);
});

t.test('Russian patient: SNILS, ё folding, dedupe, sort keys', async (t) => {
  const [p1, p2] = patients;
  const { idx, sk } = extractSearchIndex(p1, { strict: true });
  t.same(entriesOf(idx, 'snils'), [{ p: 'snils', s: SNILS, c: '11223344595' }]);
  t.same(entriesOf(idx, 'identifier'), [{ p: 'identifier', s: SNILS, c: '11223344595' }]);
  t.same(entriesOf(idx, 'family'), [{ p: 'family', n: 'елкин', x: 'Ёлкин' }]);
  t.same(entriesOf(idx, 'given').map((e) => e.n), ['петр', 'семенович']);
  t.same(entriesOf(idx, 'address-city'), [{ p: 'address-city', n: 'москва', x: 'Москва' }]);
  t.same(sk.family, 'елкин');
  t.same(sk.birthdate, d('2020-06-15T00:00:00.000Z'));
  t.same(entriesOf(extractIndexEntries(p2), 'snils').map((e) => e.c), ['08765430300'], 'N3.Health SNILS system too');
  t.same(entriesOf(extractIndexEntries(p2), 'enp').map((e) => e.c), ['7700000000000001']);
  t.same(entriesOf(extractIndexEntries(p2), 'birthdate'), [{ p: 'birthdate', lo: d('2020-01-01T00:00:00.000Z'), hi: d('2020-12-31T23:59:59.999Z') }]);
  const twice = { ...p1, name: [...p1.name!, ...p1.name!] };
  t.equal(entriesOf(extractIndexEntries(twice), 'family').length, 1, 'identical values are indexed once');
  t.same(extractSortKeys(p1), sk);
});

t.test('Russian lab observation: ФСЛИ code, zone offset, reference forms', async (t) => {
  const [o1, o2, o3, o4] = observations;
  const idx = extractIndexEntries(o1, { strict: true });
  t.same(entriesOf(idx, 'code'), [{ p: 'code', s: FSLI, c: '1000', t: 'гемоглобин' }, { p: 'code', t: 'гемоглобин' }]);
  t.same(entriesOf(idx, 'date'), [{ p: 'date', lo: d('2024-03-10T06:30:00.000Z'), hi: d('2024-03-10T06:30:00.999Z') }]);
  t.same(entriesOf(idx, 'value-quantity'), [{ p: 'value-quantity', v: 130, lo: 129.5, hi: 130.5, s: UCUM, c: 'g/L', u: 'г/л' }]);
  t.same(entriesOf(extractIndexEntries(o2), 'subject'), [{ p: 'subject', r: 'Patient/p2' }], 'absolute URL -> Type/id');
  t.same(entriesOf(extractIndexEntries(o3), 'subject'), [{ p: 'subject', i: `${SNILS}|11223344595` }]);
  t.same(entriesOf(extractIndexEntries(o3), 'patient'), [], 'an identifier-only reference is not known to be a Patient');
  t.same(entriesOf(extractIndexEntries(o4), 'subject'), [{ p: 'subject', r: 'Patient/p1' }], '/_history/n stripped');
  t.same(entriesOf(extractIndexEntries(o4), 'value-concept'), [{ p: 'value-concept', t: 'отрицательно' }]);
});

t.test('Timing: earliest to latest event', async (t) => {
  const sr: ServiceRequest = {
    resourceType: 'ServiceRequest', id: 's1', status: 'active', intent: 'order', subject: { reference: 'Patient/p1' },
    occurrenceTiming: { event: ['2024-01-10T10:00:00Z', '2024-01-05'] },
  };
  t.same(entriesOf(extractIndexEntries(sr, { strict: true }), 'occurrence'),
    [{ p: 'occurrence', lo: d('2024-01-05T00:00:00.000Z'), hi: d('2024-01-10T10:00:00.999Z') }]);
});

t.test('extraction time of a ~1.5 KB lab Observation', async (t) => {
  const obs: Observation = {
    resourceType: 'Observation', id: 'bench', status: 'final',
    meta: { profile: ['https://egisz.example.ru/fhir/StructureDefinition/lab-observation'], security: [{ system: 'urn:oid:1.2.643.5.1.13.13.99.2.285', code: 'N' }] },
    identifier: [{ system: 'urn:oid:1.2.643.5.1.13.13.12.2.77.1234.100.1', value: 'LAB-2024-000123' }],
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: FSLI, version: '3.40', code: '1000', display: 'Гемоглобин (invented code)' }], text: 'Гемоглобин' },
    subject: { reference: 'Patient/p1', identifier: { system: SNILS, value: '11223344595' } },
    encounter: { reference: 'Encounter/e1' },
    effectiveDateTime: '2024-03-10T09:30:00+03:00',
    issued: '2024-03-10T12:00:00+03:00',
    performer: [{ reference: 'Organization/lab1' }, { reference: 'Practitioner/doc1' }],
    valueQuantity: { value: 130, unit: 'г/л', system: UCUM, code: 'g/L' },
    interpretation: [{ coding: [{ system: 'urn:oid:1.2.643.5.1.13.13.11.1381', code: 'N', display: 'Норма' }] }],
    method: { text: 'Автоматический гематологический анализатор' },
    specimen: { reference: 'Specimen/sp1' },
    device: { reference: 'Device/analyzer-7' },
    referenceRange: [{ low: { value: 120, unit: 'г/л', system: UCUM, code: 'g/L' }, high: { value: 160, unit: 'г/л', system: UCUM, code: 'g/L' }, text: '120–160 г/л' }],
    note: [{ text: 'Проба взята натощак.' }],
  };
  const size = JSON.stringify(obs).length;
  for (let i = 0; i < 300; i++) extractSearchIndex(obs);
  const runs = 3000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) extractSearchIndex(obs);
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / runs;
  t.comment(`extractSearchIndex: ${ms.toFixed(3)} ms per ${size}-byte Observation (${Object.values(extractIndexEntries(obs)).flat().length} entries)`);
  t.ok(size > 1200 && size < 2000);
  t.ok(ms < 50, 'sanity bound only; the figure above is the measurement');
});
