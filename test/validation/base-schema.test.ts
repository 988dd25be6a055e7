/**
 * Base R4 validation (src/validation/base-schema.ts) on its own, before it is wired into writes:
 * the HL7 R4 examples pass, hand-made mistakes give exactly one issue at the element, and the
 * FHIR/fhir-test-cases validator cases agree with the Java validator wherever the mistake is
 * structural.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Observation } from 'fhir/r4.js';
import { validateBase } from '../../src/validation/base-schema.js';
import { observation, patient } from '../support/fixtures.js';

const DATA = path.resolve(process.cwd(), '../shared/data');
const EXAMPLES = path.join(DATA, 'r4-examples');
const CASES = path.join(DATA, 'validator-cases');
const SUPPORTED = new Set(['Patient', 'Observation', 'DiagnosticReport', 'Consent', 'Organization', 'Bundle', 'AuditEvent', 'Subscription', 'Provenance', 'Binary', 'Practitioner', 'Immunization']);

type Found = [reason: string, expression: string];
const found = (resource: unknown): Found[] => validateBase(resource).map((issue) => [issue.reason, issue.expression]);
const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
const lab = (changes: Record<string, unknown>): Observation => ({ ...observation('p1'), ...changes }) as Observation;

t.test('every HL7 R4 example of the supported types passes with no issue', { skip: !fs.existsSync(EXAMPLES) && 'r4-examples not available' }, async (t) => {
  let checked = 0;
  for (const file of fs.readdirSync(EXAMPLES).sort()) {
    const resource = readJson(path.join(EXAMPLES, file)) as { resourceType: string };
    if (!SUPPORTED.has(resource.resourceType)) continue;
    checked++;
    t.same(validateBase(resource), [], file);
  }
  t.comment(`${checked} examples validated`);
  t.equal(checked, 167, 'the examples of the supported types (Bundles among them hold 2000 resources of 34 types)');
});

t.test('the test fixtures are valid', async (t) => {
  t.same(validateBase(observation('p1')), []);
  t.same(validateBase(patient()), []);
});

const MISTAKES: { name: string; resource: unknown; expected: Found }[] = [
  { name: 'unknown element', resource: lab({ valueQuantity: undefined, valueQuanity: { value: 1 } }), expected: ['VAL_UNKNOWN_ELEMENT', 'Observation.valueQuanity'] },
  { name: 'unknown element in a datatype', resource: lab({ code: { coding: [{ sistem: 'http://loinc.org', code: '1' }] } }), expected: ['VAL_UNKNOWN_ELEMENT', 'Observation.code.coding[0].sistem'] },
  { name: "Medplum's additions are not R4", resource: lab({ meta: { project: 'x' } }), expected: ['VAL_UNKNOWN_ELEMENT', 'Observation.meta.project'] },
  { name: 'choice without its type', resource: lab({ valueQuantity: undefined, value: 5 }), expected: ['VAL_UNKNOWN_ELEMENT', 'Observation.value'] },
  { name: 'wrong primitive type', resource: { ...patient(), birthDate: 19800412 }, expected: ['VAL_TYPE', 'Patient.birthDate'] },
  { name: 'string for a boolean', resource: { ...patient(), active: 'yes' }, expected: ['VAL_TYPE', 'Patient.active'] },
  { name: 'string for a CodeableConcept', resource: lab({ code: 'glucose' }), expected: ['VAL_TYPE', 'Observation.code'] },
  { name: 'object for an array', resource: { ...patient(), name: { family: 'Иванов' } }, expected: ['VAL_TYPE', 'Patient.name'] },
  { name: 'bad date', resource: { ...patient(), birthDate: '1980-13-01' }, expected: ['VAL_PRIMITIVE_FORMAT', 'Patient.birthDate'] },
  { name: 'date that is not a calendar day', resource: { ...patient(), birthDate: '1981-02-29' }, expected: ['VAL_PRIMITIVE_FORMAT', 'Patient.birthDate'] },
  { name: 'dateTime with a time and no zone', resource: lab({ effectiveDateTime: '2024-03-01T09:30:00' }), expected: ['VAL_PRIMITIVE_FORMAT', 'Observation.effectiveDateTime'] },
  { name: 'instant without seconds', resource: lab({ issued: '2024-03-01T12:00+03:00' }), expected: ['VAL_PRIMITIVE_FORMAT', 'Observation.issued'] },
  { name: 'decimal for an integer', resource: { resourceType: 'Patient', multipleBirthInteger: 1.5 }, expected: ['VAL_PRIMITIVE_FORMAT', 'Patient.multipleBirthInteger'] },
  {
    name: 'zero for a positiveInt',
    resource: { resourceType: 'Immunization', status: 'completed', vaccineCode: { text: 'x' }, patient: { reference: 'Patient/p1' }, occurrenceDateTime: '2024', protocolApplied: [{ doseNumberPositiveInt: 0 }] },
    expected: ['VAL_PRIMITIVE_FORMAT', 'Immunization.protocolApplied[0].doseNumberPositiveInt'],
  },
  { name: 'empty string', resource: { ...patient(), name: [{ family: '' }] }, expected: ['VAL_PRIMITIVE_FORMAT', 'Patient.name[0].family'] },
  { name: 'bad code for Observation.status', resource: lab({ status: 'done' }), expected: ['VAL_CODE_INVALID', 'Observation.status'] },
  { name: 'missing Observation.code', resource: lab({ code: undefined }), expected: ['VAL_CARDINALITY_MIN', 'Observation.code'] },
  { name: 'missing Observation.status (a primitive)', resource: lab({ status: undefined }), expected: ['VAL_CARDINALITY_MIN', 'Observation.status'] },
  {
    name: 'missing required element inside a backbone',
    resource: lab({ component: [{ code: { text: 'систолическое' }, valueQuantity: { value: 120 } }, { valueQuantity: { value: 80 } }] }),
    expected: ['VAL_CARDINALITY_MIN', 'Observation.component[1].code'],
  },
  { name: 'missing required element inside a datatype', resource: lab({ text: { status: 'generated' } }), expected: ['VAL_CARDINALITY_MIN', 'Observation.text.div'] },
  { name: 'extension without url', resource: lab({ extension: [{ valueString: 'x' }] }), expected: ['VAL_CARDINALITY_MIN', 'Observation.extension[0].url'] },
  { name: 'missing required choice', resource: { resourceType: 'Immunization', status: 'completed', vaccineCode: { text: 'Спутник V' }, patient: { reference: 'Patient/p1' } }, expected: ['VAL_CARDINALITY_MIN', 'Immunization.occurrence'] },
  { name: 'two types of one choice', resource: lab({ valueString: '135 г/л' }), expected: ['VAL_CHOICE_MULTIPLE', 'Observation.value'] },
  { name: 'bad reference format', resource: lab({ subject: { reference: 'Patient 123' } }), expected: ['VAL_REFERENCE_FORMAT', 'Observation.subject.reference'] },
  { name: 'reference to an unknown type', resource: lab({ subject: { reference: 'Patients/123' } }), expected: ['VAL_REFERENCE_FORMAT', 'Observation.subject.reference'] },
  { name: 'reference with a bad id', resource: lab({ subject: { reference: 'Patient/123_4' } }), expected: ['VAL_REFERENCE_FORMAT', 'Observation.subject.reference'] },
  { name: 'malformed urn:uuid reference', resource: lab({ subject: { reference: 'urn:uuid:1234' } }), expected: ['VAL_REFERENCE_FORMAT', 'Observation.subject.reference'] },
  { name: 'bad id', resource: { ...patient(), id: 'пациент_1' }, expected: ['VAL_PRIMITIVE_FORMAT', 'Patient.id'] },
  { name: 'id too long', resource: { ...patient(), id: 'a'.repeat(65) }, expected: ['VAL_PRIMITIVE_FORMAT', 'Patient.id'] },
  { name: 'empty element (ele-1)', resource: lab({ subject: {} }), expected: ['VAL_EMPTY_ELEMENT', 'Observation.subject'] },
  { name: 'element with only an id (ele-1)', resource: lab({ code: { id: 'c1' } }), expected: ['VAL_EMPTY_ELEMENT', 'Observation.code'] },
  { name: 'empty array', resource: lab({ category: [] }), expected: ['VAL_EMPTY_ARRAY', 'Observation.category'] },
  { name: 'null in a primitive array with nothing in _given', resource: { resourceType: 'Patient', name: [{ given: ['Иван', null] }] }, expected: ['VAL_PRIMITIVE_ARRAY', 'Patient.name[0].given[1]'] },
  { name: 'unknown resourceType', resource: { resourceType: 'Pateint' }, expected: ['VAL_RESOURCE_TYPE', 'Resource.resourceType'] },
  { name: 'not a resource', resource: ['Patient'], expected: ['VAL_RESOURCE_TYPE', 'Resource.resourceType'] },
  { name: "Medplum's own resource types are not R4", resource: { resourceType: 'Project', name: 'x' }, expected: ['VAL_RESOURCE_TYPE', 'Resource.resourceType'] },
  {
    name: 'a mistake inside a Bundle entry',
    resource: { resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: 'urn:uuid:0b8c1a8e-8b7e-4c4e-9d3b-2f1f5c4d6e7a', resource: lab({ status: 'done' }), request: { method: 'POST', url: 'Observation' } }] },
    expected: ['VAL_CODE_INVALID', 'Bundle.entry[0].resource.status'],
  },
  {
    name: 'a transaction entry without request.url',
    resource: { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: patient(), request: { method: 'POST' } }] },
    expected: ['VAL_CARDINALITY_MIN', 'Bundle.entry[0].request.url'],
  },
  { name: 'a contained resource of unknown type', resource: lab({ contained: [{ resourceType: 'Specimenn', id: 's1' }] }), expected: ['VAL_RESOURCE_TYPE', 'Observation.contained[0]'] },
  { name: 'a mistake inside a contained resource', resource: lab({ contained: [{ ...patient(), id: 'p', gender: 'M' }] }), expected: ['VAL_CODE_INVALID', 'Observation.contained[0].gender'] },
];

t.test('each hand-made mistake gives exactly one issue, at the element', async (t) => {
  for (const { name, resource, expected } of MISTAKES) t.same(found(resource), [expected], name);
});

t.test('messages say what the element must be and what was sent, in English and Russian', async (t) => {
  const only = (resource: unknown) => validateBase(resource)[0]!;
  t.match(only(lab({ valueQuantity: undefined, valueQuanity: { value: 1 } })), {
    severity: 'error', code: 'structure',
    en: 'Observation.valueQuanity is not an element of Observation (did you mean valueQuantity?)',
    ru: 'Observation.valueQuanity не является элементом Observation (возможно, имелось в виду valueQuantity?)',
  });
  t.match(only(lab({ referenceRange: [{ lowx: { value: 1 } }] })), { en: 'Observation.referenceRange[0].lowx is not an element of Observation.referenceRange (did you mean low?)' });
  t.match(only(lab({ valueQuantity: undefined, value: 5 })), { en: /^Observation\.value is not an element of Observation \(value\[x\] is a choice: put the type in the name, e\.g\. valueQuantity, valueCodeableConcept/ });
  t.match(only({ ...patient(), birthDate: 19800412 }), {
    code: 'structure',
    en: 'Patient.birthDate must be a date (YYYY, YYYY-MM or YYYY-MM-DD, a real calendar day), got the number 19800412',
    ru: 'Значение Patient.birthDate должно быть датой (YYYY, YYYY-MM или YYYY-MM-DD, существующий календарный день), получено: число 19800412',
  });
  t.match(only({ ...patient(), birthDate: '1981-02-29' }), { code: 'value', en: /^Patient\.birthDate must be a date .*, got the string "1981-02-29"$/ });
  t.match(only(lab({ code: 'glucose' })), { en: 'Observation.code must be a CodeableConcept (a JSON object), got the string "glucose"', ru: 'Значение Observation.code должно быть объектом CodeableConcept, получено: строка "glucose"' });
  t.match(only({ ...patient(), name: { family: 'Иванов' } }), { en: 'Patient.name must be an array of HumanName, got an object' });
  t.match(only(lab({ status: 'done' })), {
    code: 'code-invalid',
    en: 'Observation.status must be one of registered, preliminary, final, amended, corrected, cancelled, entered-in-error, unknown (required binding to http://hl7.org/fhir/ValueSet/observation-status|4.0.1), got the string "done"',
    ru: /^Значение Observation\.status должно быть одним из кодов registered, preliminary, .*получено: строка "done"$/,
  });
  t.match(only(lab({ code: undefined })), { code: 'required', en: 'Observation.code is required (min 1) but missing', ru: 'Отсутствует обязательный элемент Observation.code (минимальная кардинальность 1)' });
  t.match(only({ resourceType: 'Immunization', status: 'completed', vaccineCode: { text: 'x' }, patient: { reference: 'Patient/p1' } }), {
    en: 'Immunization.occurrence[x] is required but missing: give one of occurrenceDateTime, occurrenceString',
  });
  t.match(only(lab({ valueString: '135' })), { en: 'Observation has valueQuantity and valueString: value[x] takes one type only' });
  t.match(only(lab({ subject: { reference: 'Patients/123' } })), { en: /^Observation\.subject\.reference "Patients\/123" is not a valid reference: Patients is not an R4 resource type; expected Type\/id/ });
  t.match(only({ ...patient(), id: 'пациент_1' }), { en: 'Patient.id must be an id (1 to 64 characters A-Z a-z 0-9 - .), got the string "пациент_1"' });
});

t.test('every mistake in a resource is reported at once', async (t) => {
  const resource = lab({ status: 'done', code: undefined, subject: { reference: 'Patient/' }, valueString: 'x', issued: '2024-03-01' });
  t.same(found(resource).sort(), [
    ['VAL_CARDINALITY_MIN', 'Observation.code'],
    ['VAL_CHOICE_MULTIPLE', 'Observation.value'],
    ['VAL_CODE_INVALID', 'Observation.status'],
    ['VAL_PRIMITIVE_FORMAT', 'Observation.issued'],
    ['VAL_REFERENCE_FORMAT', 'Observation.subject.reference'],
  ]);
});

t.test('valid FHIR JSON that a naive schema check would reject', async (t) => {
  const references = ['Patient/123', 'Patient/123/_history/2', 'https://egisz.example.ru/fhir/Patient/123', 'urn:uuid:0b8c1a8e-8b7e-4c4e-9d3b-2f1f5c4d6e7a', 'urn:oid:1.2.643.5.1.13', '#p1', 'Patient?identifier=urn:oid:1.2.643.100.3|11223344595'];
  for (const reference of references) t.same(found(lab({ subject: { reference } })), [], reference);
  t.same(found({ resourceType: 'Patient', name: [{ given: ['Иван', null], _given: [null, { extension: [{ url: 'http://example.org/x', valueString: 'y' }] }] }] }), [], 'null placeholders in primitive arrays');
  t.same(found({ resourceType: 'Patient', name: [{ given: ['Иван'], _given: [{ id: 'g1' }] }] }), [], 'an id on a given name that has its value');
  t.same(found({ resourceType: 'Patient', _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] } }), [], 'a primitive given only by its extension');
  t.same(found({ ...patient(), name: [{ text: 'Иванов\u00a0Иван' }] }), [], 'a no-break space in a string');
  t.same(found(lab({ meta: { profile: ['https://egisz.example.ru/fhir/StructureDefinition/egisz-lab-observation'], _profile: [{ id: 'p' }] } })), [], '_profile (canonical) exists in R4');
  t.same(found({ ...patient(), birthDate: '2024-02-29' }), [], 'a leap day');
  t.same(found({ resourceType: 'Measure', status: 'draft', group: [{ population: [{ criteria: { language: 'text/cql.identifier', expression: 'x' } }] }] }), [], 'Expression.language is an extensible binding, not an enum');
});

/** The Java validator's verdicts (outcomes/java) for the R4 JSON cases of FHIR/fhir-test-cases. */
interface ValidatorCase { name: string; location: string; 'use-test'?: boolean; java_base?: { errors?: number } }

/** Cases the Java validator passes that base validation rejects, and why. */
const STRICTER_THAN_JAVA: Record<string, Found[]> = {
  // Run with validateContains=IGNORE; the contained resource's id has 65 characters.
  'contained-resource-bad-id-ignore': [['VAL_PRIMITIVE_FORMAT', 'Condition.contained[0].id']],
  // A matchetype template, not data: its timestamp is a placeholder.
  'matchetype-pattern-1': [['VAL_PRIMITIVE_FORMAT', 'ValueSet.expansion.timestamp']],
  // urn:uuid:...-X is no UUID; the Java validator does not look at the syntax of urn:uuid references.
  'ref-policy-default-r4': [['VAL_REFERENCE_FORMAT', 'Bundle.entry[0].resource.entry[1].item.reference']],
  'ref-policy-default-apply-r5': [['VAL_REFERENCE_FORMAT', 'Bundle.entry[0].resource.entry[1].item.reference']],
};

/** Cases the Java validator rejects for structural reasons, with what base validation finds (hand-checked against the Java outcome). */
const STRUCTURAL_FAILURES: Record<string, Found[]> = {
  'attachment-with-invalid-binary': [['VAL_PRIMITIVE_FORMAT', 'Media.content.data']],
  synthea: [['VAL_CODE_INVALID', 'Encounter.status'], ['VAL_TYPE', 'Encounter.reasonCode']],
  'cs-meta-profile': [['VAL_TYPE', 'CodeSystem.meta.profile']],
  'mr-covid-m3': [['VAL_CARDINALITY_MIN', 'Measure.group[0].population[0].criteria']],
  'empty-array': [['VAL_EMPTY_ARRAY', 'DocumentReference.category[0].coding']],
  'hakan-se-2': [['VAL_PRIMITIVE_FORMAT', 'MedicationRequest.authoredOn'], ['VAL_CARDINALITY_MIN', 'MedicationRequest.medication']],
  'resource-invalid-id-1': [['VAL_PRIMITIVE_FORMAT', 'Location.id']],
  'resource-invalid-id-2': [['VAL_PRIMITIVE_FORMAT', 'Location.id']],
  'contained-resource-bad-id': [['VAL_PRIMITIVE_FORMAT', 'Condition.contained[0].id']],
  'patient-id-bad-1 / R4': [['VAL_PRIMITIVE_FORMAT', 'Patient.id']],
  'patient-id-bad-2 / R4': [['VAL_PRIMITIVE_FORMAT', 'Patient.id']],
  'patient-id-bad-3 / R4': [['VAL_PRIMITIVE_FORMAT', 'Patient.id']],
  'bundle-ea-testcase': [
    ['VAL_REFERENCE_FORMAT', 'Bundle.entry[1].resource.contained[0].entry[0].resource.entry[0].item.reference'],
    ['VAL_CARDINALITY_MIN', 'Bundle.entry[1].resource.contained[0].entry[0].resource.status'],
    ['VAL_CARDINALITY_MIN', 'Bundle.entry[1].resource.contained[0].entry[0].resource.mode'],
  ],
  'comments-4': [['VAL_UNKNOWN_ELEMENT', 'Patient.fhir_comments']],
  'versioned-extension': [['VAL_CARDINALITY_MIN', 'Patient.extension[2].url']],
  ai3: [['VAL_UNKNOWN_ELEMENT', 'Patient.unknownElement']],
  ai4: [['VAL_PRIMITIVE_FORMAT', 'Patient.birthDate']],
  ai7: [['VAL_CARDINALITY_MIN', 'StructureDefinition.name'], ['VAL_CARDINALITY_MIN', 'StructureDefinition.status'], ['VAL_CARDINALITY_MIN', 'StructureDefinition.abstract']],
  'attachment-tx': [['VAL_PRIMITIVE_FORMAT', 'Parameters.parameter[0].valueAttachment.data']],
  'obs-vs-2': [['VAL_CARDINALITY_MIN', 'Observation.text.div']],
  'Observation-ex-pain.json': [['VAL_UNKNOWN_ELEMENT', 'Observation._valueInteger.value'], ['VAL_CARDINALITY_MIN', 'Observation.code']],
  'open-choice-invalid-type-qr': [['VAL_UNKNOWN_ELEMENT', 'QuestionnaireResponse.item[0].answer[0].valueCode']],
  'reference-invalid-url-qr': [['VAL_REFERENCE_FORMAT', 'QuestionnaireResponse.item[0].answer[0].valueReference.reference']],
  'bundle-signed-nob64': [['VAL_PRIMITIVE_FORMAT', 'Bundle.signature.data']],
  'bundle-sig-2': [['VAL_TYPE', 'Bundle.meta']],
  'cs-order-prop-r4': [['VAL_TYPE', 'CodeSystem.concept[0].property[0].valueDecimal'], ['VAL_TYPE', 'CodeSystem.concept[1].property[0].valueDecimal']],
  'patient-hs-1': [['VAL_PRIMITIVE_ARRAY', 'Patient.name[0].given']],
  'patient-id-extensions': [['VAL_UNKNOWN_ELEMENT', 'Patient._id']],
};

t.test('FHIR/fhir-test-cases validator cases (R4, JSON)', { skip: !fs.existsSync(CASES) && 'validator-cases not available' }, async (t) => {
  const cases = readJson(path.join(CASES, 'r4-cases-index.json')) as ValidatorCase[];
  const byName = new Map(cases.map((c) => [c.name, c]));
  const load = (c: ValidatorCase): unknown => readJson(path.join(CASES, c.location));
  let javaValid = 0;
  for (const c of cases) {
    if (c['use-test'] === false || c.java_base?.errors !== 0) continue;
    let resource: unknown;
    try {
      resource = load(c);
    } catch {
      continue; // malformed JSON on purpose
    }
    javaValid++;
    t.same(found(resource), STRICTER_THAN_JAVA[c.name] ?? [], `${c.name}: valid for the Java validator`);
  }
  t.comment(`${javaValid} cases the Java validator passes`);
  t.equal(javaValid, 185);
  for (const [name, expected] of Object.entries(STRUCTURAL_FAILURES)) {
    const c = byName.get(name)!;
    t.ok(c.java_base!.errors! > 0, `${name} fails in the Java validator`);
    t.same(found(load(c)), expected, name);
  }
});
