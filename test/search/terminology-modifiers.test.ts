/**
 * Token :in / :not-in (local ValueSet expansion) and :above / :below (local code hierarchies):
 * parse -> compile -> mingo over extracted documents, with R4 definitions and the invented
 * EGISZ-style CodeSystem and ValueSets in profiles/.
 */
import t, { type Test } from 'tap';
import type { Observation } from 'fhir/r4.js';
import { FhirError } from '../../src/fhir/errors.js';
import { parseSearch } from '../../src/search/index.js';
import { expandValueSet } from '../../src/search/value-sets.js';
import { codesAbove, codesBelow } from '../../src/search/code-hierarchy.js';
import { observations, patients } from './fixtures.js';
import { matchIds, toDoc } from './helpers.js';

const GROUPS = 'https://egisz.example.ru/fhir/CodeSystem/lab-groups';
const VS = 'https://egisz.example.ru/fhir/ValueSet';
const STATUS = 'http://hl7.org/fhir/observation-status';

const grouped = (id: string, code: string, system = GROUPS): Observation => ({
  resourceType: 'Observation', id, status: 'final', code: { coding: [{ system, code }] },
});
const labs = [
  grouped('hgb', 'hgb'), grouped('wbc', 'wbc'), grouped('esr', 'esr'), grouped('cbc', 'cbc'),
  grouped('glu', 'glucose'), grouped('other-system', 'hgb', 'urn:oid:1.2.643.5.1.13.13.11.1080'),
  { ...grouped('corrected', 'hgb'), status: 'corrected' }, { ...grouped('amended', 'wbc'), status: 'amended' },
];
// o1 final, o2 preliminary, o3 final, o4 cancelled
const O = [...observations, ...labs].map((r) => toDoc(r));
// p1 male, p2 female, p3 no gender, p4 female
const P = patients.map((r) => toDoc(r));

function cases(t: Test, docs: typeof O, type: string, table: [string, string[]][]): void {
  for (const [query, expected] of table) t.same(matchIds(docs, type, query), expected, `${type}?${query}`);
}

function diagnostics(type: string, query: string): string | undefined {
  try {
    parseSearch(type, new URLSearchParams(query));
  } catch (err) {
    return err instanceof FhirError ? `${err.code}: ${err.message}` : `not a FhirError: ${String(err)}`;
  }
  return undefined;
}

t.test('local expansion of R4 and profiles/ ValueSets', async (t) => {
  t.same(expandValueSet('http://hl7.org/fhir/ValueSet/administrative-gender'),
    [{ system: 'http://hl7.org/fhir/administrative-gender', codes: ['male', 'female', 'other', 'unknown'] }]);
  t.same(expandValueSet('http://hl7.org/fhir/ValueSet/observation-status|4.0.1')[0].codes,
    ['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown'], 'nested codes too; a |version is ignored');
  t.same(expandValueSet(`${VS}/blood-count`), [{ system: GROUPS, codes: ['hgb', 'wbc'] }]);
  t.same(expandValueSet(`${VS}/lab-groups-no-hematology`), [{ system: GROUPS, codes: ['biochemistry', 'glucose'] }], 'excludes by import and by list');
});

t.test(':in and :not-in', async (t) => {
  cases(t, P, 'Patient', [
    ['gender:in=http://hl7.org/fhir/ValueSet/administrative-gender', ['p1', 'p2', 'p4']],
    ['gender:not-in=http://hl7.org/fhir/ValueSet/administrative-gender', ['p3']],
  ]);
  cases(t, O, 'Observation', [
    ['status:in=http://hl7.org/fhir/ValueSet/observation-status', O.map((d) => d._id).sort()],
    ['status:not-in=http://hl7.org/fhir/ValueSet/observation-status', []],
    [`code:in=${VS}/blood-count`, ['amended', 'corrected', 'hgb', 'wbc']],
    [`code:in=${VS}/blood-count|1.0.0`, ['amended', 'corrected', 'hgb', 'wbc']],
    [`code:in=${VS}/lab-groups-no-hematology`, ['glu']],
    [`code:in=${VS}/blood-count,${VS}/lab-groups-no-hematology`, ['amended', 'corrected', 'glu', 'hgb', 'wbc']],
    [`code:not-in=${VS}/blood-count`, ['cbc', 'esr', 'glu', 'o1', 'o2', 'o3', 'o4', 'other-system']],
    [`code:in=${VS}/blood-count&status=final`, ['hgb', 'wbc']],
  ]);
});

t.test(':above and :below over a nested CodeSystem', async (t) => {
  t.same(codesBelow(GROUPS, 'hematology'), ['hematology', 'cbc', 'esr', 'hgb', 'wbc']);
  t.same(codesAbove(GROUPS, 'wbc'), ['wbc', 'cbc', 'hematology']);
  t.same(codesBelow(STATUS, 'amended'), ['amended', 'corrected']);
  cases(t, O, 'Observation', [
    [`code:below=${GROUPS}|hematology`, ['amended', 'cbc', 'corrected', 'esr', 'hgb', 'wbc']],
    [`code:below=${GROUPS}|cbc`, ['amended', 'cbc', 'corrected', 'hgb', 'wbc']],
    [`code:below=${GROUPS}|hgb`, ['corrected', 'hgb']],
    [`code:above=${GROUPS}|hgb`, ['cbc', 'corrected', 'hgb']],
    [`code:above=${GROUPS}|glucose`, ['glu']],
    [`code:below=${GROUPS}|biochemistry`, ['glu']],
    [`code:below=${GROUPS}|esr,${GROUPS}|glucose`, ['esr', 'glu']],
    [`status:below=${STATUS}|amended`, ['amended', 'corrected']],
    [`status:above=${STATUS}|corrected`, ['amended', 'corrected']],
    [`status:above=${STATUS}|final`, ['cbc', 'esr', 'glu', 'hgb', 'o1', 'o3', 'other-system', 'wbc']],
  ]);
});

t.test('what cannot be worked out locally is a 400 that says why', async (t) => {
  const table: [string, RegExp][] = [
    ['code:in=http://example.org/fhir/ValueSet/unknown', /ValueSet http:\/\/example.org\/fhir\/ValueSet\/unknown is not known/],
    [`code:in=${VS}/lab-groups-filtered`, /cannot expand locally: it selects codes with a filter/],
    ['code:in=http://hl7.org/fhir/ValueSet/observation-codes', /cannot expand locally: its CodeSystem http:\/\/loinc.org is not known/],
    ['code:not-in=http://hl7.org/fhir/ValueSet/example-filter', /cannot expand locally/],
    ['code:below=http://loinc.org|85354-9', /hierarchy of code system http:\/\/loinc.org is not known/],
    [`code:below=${GROUPS}|nope`, /code nope is not defined in code system/],
    ['code:below=hematology', /:below needs system\|code/],
    [`code:above=|hgb`, /:above needs system\|code/],
    ['value-quantity:in=http://hl7.org/fhir/ValueSet/administrative-gender', /not supported on quantity/],
  ];
  for (const [query, reason] of table) {
    const message = diagnostics('Observation', query);
    t.match(message, /^FHIR_ERR_PARAM_INVALID: /, query);
    t.match(message, reason, query);
  }
});
