/**
 * The R4 FHIRPath invariants (src/validation/invariants.ts) on their own, before they are wired
 * into writes: the HL7 R4 examples break none (and the fast path agrees with fhirpath.js on every
 * node of them), hand-made breaches give exactly the expected issue at the expected location.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Bundle, Consent, Observation, Resource } from 'fhir/r4.js';
import { checkInvariants, crossCheckInvariants } from '../../src/validation/invariants.js';
import { uncompilableConstraints } from '../../src/validation/invariant-constraints.js';
import { observation, patient } from '../support/fixtures.js';

const EXAMPLES = path.resolve(process.cwd(), '../shared/data/r4-examples');
const TYPES = new Set(['Patient', 'Observation', 'DiagnosticReport', 'Consent', 'Organization', 'Bundle', 'AuditEvent', 'Provenance', 'Immunization', 'Practitioner']);

type Found = [severity: string, reason: string, expression: string];
const found = (resource: unknown): Found[] => checkInvariants(resource as Resource).map((i) => [i.severity, i.reason, i.expression]);
const lab = (changes: Record<string, unknown>): Observation => ({ ...observation('p1'), ...changes }) as Observation;
const withPatient = (changes: Record<string, unknown>): Observation => lab({ subject: { reference: '#p' }, ...changes });
const consent = (changes: Record<string, unknown>): Consent => ({
  resourceType: 'Consent',
  status: 'active',
  scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
  patient: { reference: 'Patient/p1' },
  policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
  ...changes,
}) as Consent;
const UCUM = 'http://unitsofmeasure.org';

t.test('every HL7 R4 example of the target types breaks no invariant, and fhirpath.js agrees', { skip: !fs.existsSync(EXAMPLES) && 'r4-examples not available' }, async (t) => {
  let checked = 0;
  const warnings = new Map<string, number>();
  for (const file of fs.readdirSync(EXAMPLES).sort()) {
    const resource = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) as Resource;
    if (!TYPES.has(resource.resourceType)) continue;
    checked++;
    const { issues, disagreements } = crossCheckInvariants(resource);
    t.same(issues.filter((i) => i.severity === 'error').map((i) => i.en), [], `${file}: no error`);
    t.same(disagreements, [], `${file}: the fast path and fhirpath.js agree`);
    for (const issue of issues) if (issue.severity === 'warning') warnings.set(issue.reason, (warnings.get(issue.reason) ?? 0) + 1);
  }
  t.equal(checked, 165, 'the examples of the target types (their Bundles hold resources of many other types)');
  // namingsystem-terminologies.json: 436 NamingSystems whose name is not a machine-usable token (nsd-0, a warning).
  t.same([...warnings], [['VAL_INVARIANT_nsd-0', 436]]);
  t.same([...uncompilableConstraints()], [], 'every expression met compiled');
});

t.test('the test fixtures break no invariant', async (t) => {
  t.same(found(observation('p1')), []);
  t.same(found(patient()), []);
  t.same(found(consent({})), []);
});

const BREACHES: { name: string; resource: unknown; expected: Found }[] = [
  { name: 'obs-6: dataAbsentReason with a value', resource: lab({ dataAbsentReason: { text: 'error' } }), expected: ['error', 'VAL_INVARIANT_obs-6', 'Observation'] },
  {
    name: 'obs-7: a component with the code of the observation, which has a value',
    resource: lab({ component: [{ code: observation('p1').code, valueString: 'x' }] }),
    expected: ['error', 'VAL_INVARIANT_obs-7', 'Observation'],
  },
  {
    name: 'obs-3: a reference range with neither low, high nor text',
    resource: lab({ referenceRange: [{ low: { value: 1, unit: 'г/л' } }, { type: { text: 'normal' } }] }),
    expected: ['error', 'VAL_INVARIANT_obs-3', 'Observation.referenceRange[1]'],
  },
  {
    name: 'dom-2: a contained resource with contained resources',
    resource: withPatient({ contained: [{ resourceType: 'Patient', id: 'p', contained: [{ resourceType: 'Patient', id: 'q' }] }] }),
    expected: ['error', 'VAL_INVARIANT_dom-2', 'Observation.contained[0].contained'],
  },
  {
    name: 'dom-3: a contained resource nothing refers to',
    resource: withPatient({ contained: [{ resourceType: 'Patient', id: 'p' }, { resourceType: 'Patient', id: 'orphan' }] }),
    expected: ['error', 'VAL_INVARIANT_dom-3', 'Observation.contained[1]'],
  },
  {
    name: 'dom-4: a contained resource with a versionId',
    resource: withPatient({ contained: [{ resourceType: 'Patient', id: 'p', meta: { versionId: '2' } }] }),
    expected: ['error', 'VAL_INVARIANT_dom-4', 'Observation.contained[0].meta.versionId'],
  },
  {
    name: 'dom-4: a contained resource with lastUpdated',
    resource: withPatient({ contained: [{ resourceType: 'Patient', id: 'p', meta: { lastUpdated: '2024-03-01T12:00:00Z' } }] }),
    expected: ['error', 'VAL_INVARIANT_dom-4', 'Observation.contained[0].meta.lastUpdated'],
  },
  {
    name: 'dom-5: a contained resource with a security label',
    resource: withPatient({ contained: [{ resourceType: 'Patient', id: 'p', meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] } }] }),
    expected: ['error', 'VAL_INVARIANT_dom-5', 'Observation.contained[0].meta.security'],
  },
  { name: 'ele-1: an empty object', resource: lab({ code: {} }), expected: ['error', 'VAL_INVARIANT_ele-1', 'Observation.code'] },
  {
    name: 'ele-1: an element with only an id',
    resource: lab({ category: [{ coding: [{ id: 'c1' }] }] }),
    expected: ['error', 'VAL_INVARIANT_ele-1', 'Observation.category[0].coding[0]'],
  },
  {
    name: 'ele-1: the extension part of a primitive, empty',
    resource: { ...patient(), _birthDate: {} },
    expected: ['error', 'VAL_INVARIANT_ele-1', 'Patient.birthDate'],
  },
  {
    name: 'ext-1: an extension with a value and extensions',
    resource: lab({ extension: [{ url: 'http://example.org/a', valueString: 'x', extension: [{ url: 'b', valueString: 'y' }] }] }),
    expected: ['error', 'VAL_INVARIANT_ext-1', 'Observation.extension[0]'],
  },
  {
    name: 'ext-1: an extension with neither, on a primitive',
    resource: { ...patient(), name: [{ family: 'Иванов', _family: { extension: [{ url: 'http://example.org/a' }] } }] },
    expected: ['error', 'VAL_INVARIANT_ext-1', 'Patient.name[0].family.extension[0]'],
  },
  {
    name: 'per-1: a period that ends before it starts',
    resource: lab({ effectiveDateTime: undefined, effectivePeriod: { start: '2024-03-02T09:00:00+03:00', end: '2024-03-01T09:00:00+03:00' } }),
    expected: ['error', 'VAL_INVARIANT_per-1', 'Observation.effectivePeriod'],
  },
  {
    name: 'per-1 inside a data type inside a backbone element',
    resource: { ...patient(), contact: [{ name: { family: 'Петрова', period: { start: '2020', end: '2019' } } }] },
    expected: ['error', 'VAL_INVARIANT_per-1', 'Patient.contact[0].name.period'],
  },
  {
    name: 'ref-1: a local reference to nothing contained',
    resource: lab({ subject: { reference: '#p' } }),
    expected: ['error', 'VAL_INVARIANT_ref-1', 'Observation.subject'],
  },
  {
    name: 'qty-3: a unit code without a system',
    resource: lab({ valueQuantity: { value: 135, unit: 'г/л', code: 'g/L' } }),
    expected: ['error', 'VAL_INVARIANT_qty-3', 'Observation.valueQuantity'],
  },
  {
    name: 'sqty-1: a comparator on a SimpleQuantity',
    resource: lab({ referenceRange: [{ low: { value: 120, comparator: '>' } }] }),
    expected: ['error', 'VAL_INVARIANT_sqty-1', 'Observation.referenceRange[0].low'],
  },
  {
    name: 'rng-2: a range whose low is above its high',
    resource: lab({ valueQuantity: undefined, valueRange: { low: { value: 5, system: UCUM, code: 'g/L' }, high: { value: 3, system: UCUM, code: 'g/L' } } }),
    expected: ['error', 'VAL_INVARIANT_rng-2', 'Observation.valueRange'],
  },
  {
    name: 'txt-1: a script in the narrative',
    resource: lab({ text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>135 г/л</p><script>alert(1)</script></div>' } }),
    expected: ['error', 'VAL_INVARIANT_txt-1', 'Observation.text.div'],
  },
  {
    name: 'txt-1: an HTML entity in the narrative',
    resource: lab({ text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">135&nbsp;г/л</div>' } }),
    expected: ['error', 'VAL_INVARIANT_txt-1', 'Observation.text.div'],
  },
  {
    name: 'txt-2: a narrative with no text (and only that: not txt-1 too)',
    resource: lab({ text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"> <p/> </div>' } }),
    expected: ['error', 'VAL_INVARIANT_txt-2', 'Observation.text.div'],
  },
  {
    name: 'ppc-1: a privacy consent without a policy',
    resource: consent({ policyRule: undefined }),
    expected: ['error', 'VAL_INVARIANT_ppc-1', 'Consent'],
  },
  {
    name: 'ppc-2: a patient-privacy consent (R4 writes the scope system as "something") without a patient',
    resource: consent({ patient: undefined, scope: { coding: [{ system: 'something', code: 'patient-privacy' }] } }),
    expected: ['error', 'VAL_INVARIANT_ppc-2', 'Consent'],
  },
  {
    name: 'pat-1: a patient contact with only a relationship',
    resource: { ...patient(), contact: [{ relationship: [{ text: 'мать' }] }] },
    expected: ['error', 'VAL_INVARIANT_pat-1', 'Patient.contact[0]'],
  },
  { name: 'org-1: an organization with neither identifier nor name', resource: { resourceType: 'Organization', active: true }, expected: ['error', 'VAL_INVARIANT_org-1', 'Organization'] },
  {
    name: 'org-3: a home phone of an organization',
    resource: { resourceType: 'Organization', name: 'ГБУЗ', telecom: [{ system: 'phone', value: '+74950000000', use: 'work' }, { system: 'phone', value: '+74950000001', use: 'home' }] },
    expected: ['error', 'VAL_INVARIANT_org-3', 'Organization.telecom[1]'],
  },
  {
    name: 'pat-1 in a contained resource, located inside it',
    resource: withPatient({ contained: [{ resourceType: 'Patient', id: 'p', contact: [{ gender: 'female' }] }] }),
    expected: ['error', 'VAL_INVARIANT_pat-1', 'Observation.contained[0].contact[0]'],
  },
  {
    name: 'bdl-8: a fullUrl with a version',
    resource: { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'https://egisz.example.ru/fhir/Patient/p1/_history/2', resource: patient() }] },
    expected: ['error', 'VAL_INVARIANT_bdl-8', 'Bundle.entry[0]'],
  },
  {
    name: 'bdl-1: a total outside a search or history',
    resource: { resourceType: 'Bundle', type: 'collection', total: 1, entry: [{ resource: patient() }] },
    expected: ['error', 'VAL_INVARIANT_bdl-1', 'Bundle'],
  },
  {
    name: 'obs-6 in a Bundle entry, located in it',
    resource: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient() }, { resource: lab({ dataAbsentReason: { text: 'error' } }) }] },
    expected: ['error', 'VAL_INVARIANT_obs-6', 'Bundle.entry[1].resource'],
  },
];

for (const breach of BREACHES) {
  t.test(breach.name, async (t) => {
    const { issues, disagreements } = crossCheckInvariants(breach.resource as Resource);
    t.same(issues.map((i) => [i.severity, i.reason, i.expression]), [breach.expected]);
    t.same(disagreements, [], 'the fast path and fhirpath.js agree');
  });
}

t.test('an issue says which rule, what it requires and where, in English and Russian', async (t) => {
  const [issue] = checkInvariants(lab({ referenceRange: [{ type: { text: 'normal' } }] }));
  t.same(issue, {
    severity: 'error',
    code: 'invariant',
    reason: 'VAL_INVARIANT_obs-3',
    expression: 'Observation.referenceRange[0]',
    en: 'obs-3: Must have at least a low or a high or text (at Observation.referenceRange[0])',
    ru: 'Нарушено правило obs-3: Must have at least a low or a high or text (место: Observation.referenceRange[0])',
  });
});

t.test('what holds is not reported', async (t) => {
  t.same(found(withPatient({ contained: [{ resourceType: 'Patient', id: 'p', link: [{ other: { reference: '#' }, type: 'seealso' }] }] })), [],
    'a contained resource referring to its container with "#" (dom-3 allows it; ref-1 as written in R4 would not)');
  t.same(found(lab({ contained: [{ resourceType: 'Patient', id: 'p', generalPractitioner: [{ reference: '#o' }] }, { resourceType: 'Organization', id: 'o', name: 'x' }], subject: { reference: '#p' } })), [],
    'a contained resource referred to by another contained one, which resolves against the container');
  t.same(found(lab({ effectiveDateTime: undefined, effectivePeriod: { start: '2024-03', end: '2024-03-01T10:00:00Z' } })), [],
    'per-1 on dates of different precision gives an empty result, which is not a failure');
  t.same(found(lab({ text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml" xml:lang="ru"><ol start="2"><li>Гемоглобин&#160;135 &amp; норма</li></ol></div>' } })), [],
    'txt-1 allows what R4 lists (xml:lang, ol start, character references)');
  t.same(found(lab({ extension: [{ url: 'http://example.org/a', _valueString: { extension: [{ url: 'http://example.org/b', valueCode: 'x' }] } }] })), [],
    'ext-1: a value given only by its extension part is a value');
  t.same(found({ resourceType: 'Bundle', type: 'document', entry: [{ resource: patient() }] }), [],
    'bdl-9 and bdl-11 are left to src/fhir/bundle-rules.ts');
  t.same(found({ resourceType: 'Patient' }), [], 'dom-6 (a narrative) is best-practice guidance, not a rule');
  t.same(found({ resourceType: 'NotAType', code: {} }), [], 'an unknown resource type is for the schema to report');
});
