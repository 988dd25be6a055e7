/**
 * The EGISZ-style profiles in profiles/ through the profile registry: valid resources pass,
 * each hand-made invalid case gives exactly the expected issues at the expected FHIRPath
 * locations; profiles added at run time (profiles on profiles, closed slicing, fixed values);
 * generated snapshots; and the native invariants agree with fhirpath.js.
 */
import t, { type Test } from 'tap';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';
import type { Resource, StructureDefinition } from 'fhir/r4.js';
import type { ValidationIssue } from '../../src/validation/issue.js';
import { NATIVE_INVARIANTS } from '../../src/validation/native-invariants.js';
import { ProfileRegistry, profileRegistry } from '../../src/validation/profile-registry.js';
import {
  CONFIDENTIALITY, ENP, FSLI, PROFILE_BASE, SNILS,
  cabinetConsent, labObservation, labReport, organization, patient,
} from './egisz-fixtures.js';

type Brief = [severity: string, reason: string, expression: string];

const registry = profileRegistry();
const FSLI_NOT_LOADED: Brief = ['warning', 'VAL_BINDING_UNKNOWN_DICTIONARY', 'Observation.code.coding[0]'];
const SERVICES_NOT_LOADED: Brief = ['warning', 'VAL_BINDING_UNKNOWN_DICTIONARY', 'DiagnosticReport.code.coding[0]'];

function brief(issues: ValidationIssue[]): Brief[] {
  return issues.map((i): Brief => [i.severity, i.reason, i.expression]).sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
}

function expectIssues(t: Test, resource: Resource, profile: string, expected: Brief[], from: ProfileRegistry = registry): ValidationIssue[] {
  const issues = from.validate(resource, PROFILE_BASE + profile);
  t.same(brief(issues), [...expected].sort((a, b) => a.join(' ').localeCompare(b.join(' '))), JSON.stringify(issues.map((i) => i.en)));
  for (const issue of issues) t.ok(issue.en && issue.ru, `${issue.reason} has English and Russian text`);
  return issues;
}

t.test('valid EGISZ resources pass; the unloaded dictionaries give only a warning', async (t) => {
  expectIssues(t, patient(), 'egisz-patient', []);
  expectIssues(t, organization(), 'egisz-organization', []);
  expectIssues(t, labObservation(), 'egisz-lab-observation', [FSLI_NOT_LOADED]);
  expectIssues(t, labReport(), 'egisz-lab-diagnosticreport', [SERVICES_NOT_LOADED]);
  expectIssues(t, cabinetConsent(), 'egisz-consent', []);
  const [warning] = registry.validate(labObservation(), PROFILE_BASE + 'egisz-lab-observation');
  t.match(warning!.en, /9999001.*1\.2\.643\.5\.1\.13\.13\.11\.1080.*not loaded/);
  t.match(warning!.ru, /не загружен/);
});

t.test('Patient', async (t) => {
  const noGiven = patient();
  noGiven.name![0]!.given = undefined;
  expectIssues(t, noGiven, 'egisz-patient', [
    ['error', 'VAL_PROFILE_CARDINALITY', 'Patient.name[0].given'],
    ['warning', 'VAL_INVARIANT_egisz-pat-3', 'Patient.name[0]'],
  ]);

  const noPatronymic = patient();
  noPatronymic.name![0]!.given = ['Мария'];
  expectIssues(t, noPatronymic, 'egisz-patient', [['warning', 'VAL_INVARIANT_egisz-pat-3', 'Patient.name[0]']]);

  const noFamily = patient();
  delete noFamily.name![0]!.family;
  expectIssues(t, noFamily, 'egisz-patient', [['error', 'VAL_PROFILE_CARDINALITY', 'Patient.name[0].family']]);

  const noIdentity = patient();
  noIdentity.identifier = noIdentity.identifier!.slice(3);
  const [issue] = expectIssues(t, noIdentity, 'egisz-patient', [['error', 'VAL_INVARIANT_egisz-pat-1', 'Patient']]);
  t.match(issue!.en, /SNILS, ENP .* or passport/);

  const onlyEnp = patient();
  onlyEnp.identifier = [onlyEnp.identifier![1]!];
  expectIssues(t, onlyEnp, 'egisz-patient', []);

  const badSnils = patient();
  badSnils.identifier![0]!.value = '11223344596';
  expectIssues(t, badSnils, 'egisz-patient', [['error', 'VAL_CHECK_DIGIT', 'Patient.identifier[0].value']]);

  const formattedSnils = patient();
  formattedSnils.identifier![0]!.value = '112-233-445 95';
  expectIssues(t, formattedSnils, 'egisz-patient', []);

  const badN3Snils = patient();
  badN3Snils.identifier![0] = { system: 'urn:oid:1.2.643.2.69.1.1.1.6.223', value: '11223344500' };
  expectIssues(t, badN3Snils, 'egisz-patient', [['error', 'VAL_CHECK_DIGIT', 'Patient.identifier[0].value']]);

  const badEnp = patient();
  badEnp.identifier![1]!.value = '5000000000001230';
  expectIssues(t, badEnp, 'egisz-patient', [['error', 'VAL_CHECK_DIGIT', 'Patient.identifier[1].value']]);

  const shortEnp = patient();
  shortEnp.identifier![1]!.value = '500000000000123';
  expectIssues(t, shortEnp, 'egisz-patient', [['error', 'VAL_CHECK_DIGIT', 'Patient.identifier[1].value']]);

  const badPassport = patient();
  badPassport.identifier![2]!.value = '4509 123456';
  expectIssues(t, badPassport, 'egisz-patient', [['error', 'VAL_INVARIANT_egisz-pat-2', 'Patient.identifier[2].value']]);

  const snilsWithoutValue = patient();
  delete snilsWithoutValue.identifier![0]!.value;
  expectIssues(t, snilsWithoutValue, 'egisz-patient', [['error', 'VAL_PROFILE_CARDINALITY', 'Patient.identifier[0].value']]);

  const twoSnils = patient();
  twoSnils.identifier!.push({ system: SNILS, value: '12345678964' });
  const [slice] = expectIssues(t, twoSnils, 'egisz-patient', [['error', 'VAL_SLICE', 'Patient.identifier']]);
  t.match(slice!.en, /slice "snils" \(system = urn:oid:1\.2\.643\.100\.3\) needs at most 1/);

  const noGender = patient();
  delete noGender.gender;
  delete noGender.birthDate;
  expectIssues(t, noGender, 'egisz-patient', [
    ['error', 'VAL_PROFILE_CARDINALITY', 'Patient.birthDate'],
    ['error', 'VAL_PROFILE_CARDINALITY', 'Patient.gender'],
  ]);
});

t.test('Organization', async (t) => {
  const badOgrn = organization();
  badOgrn.identifier![1]!.value = '1025000000014';
  expectIssues(t, badOgrn, 'egisz-organization', [['error', 'VAL_CHECK_DIGIT', 'Organization.identifier[1].value']]);

  const badInn = organization();
  badInn.identifier![2]!.value = '5001007320';
  expectIssues(t, badInn, 'egisz-organization', [['error', 'VAL_CHECK_DIGIT', 'Organization.identifier[2].value']]);

  const onlyInn = organization();
  onlyInn.identifier = [onlyInn.identifier![2]!];
  expectIssues(t, onlyInn, 'egisz-organization', [['error', 'VAL_INVARIANT_egisz-org-1', 'Organization']]);

  const badFrmo = organization();
  badFrmo.identifier![0]!.value = '1.2.643.5.1.13.13.12.2.77';
  expectIssues(t, badFrmo, 'egisz-organization', [['error', 'VAL_INVARIANT_egisz-org-2', 'Organization.identifier[0].value']]);

  const noName = organization();
  delete noName.name;
  expectIssues(t, noName, 'egisz-organization', [['error', 'VAL_PROFILE_CARDINALITY', 'Organization.name']]);
});

t.test('lab Observation', async (t) => {
  const noVersion = labObservation();
  delete noVersion.code.coding![0]!.version;
  const [missing] = expectIssues(t, noVersion, 'egisz-lab-observation', [
    ['error', 'VAL_PROFILE_CARDINALITY', 'Observation.code.coding[0].version'], FSLI_NOT_LOADED,
  ]).filter((i) => i.severity === 'error');
  t.match(missing!.en, /Observation\.code\.coding:fsli\.version is required/);

  const loincOnly = labObservation();
  loincOnly.code = { coding: [{ system: 'http://loinc.org', code: '718-7' }] };
  expectIssues(t, loincOnly, 'egisz-lab-observation', [['error', 'VAL_SLICE', 'Observation.code.coding']]);

  const fsliSecond = labObservation();
  fsliSecond.code.coding!.unshift({ system: 'http://loinc.org', code: '718-7' });
  expectIssues(t, fsliSecond, 'egisz-lab-observation', [['warning', 'VAL_BINDING_UNKNOWN_DICTIONARY', 'Observation.code.coding[1]']]);

  const vitalSigns = labObservation();
  vitalSigns.category = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }];
  const [category] = expectIssues(t, vitalSigns, 'egisz-lab-observation', [['error', 'VAL_SLICE', 'Observation.category'], FSLI_NOT_LOADED])
    .filter((i) => i.severity === 'error');
  t.match(category!.en, /slice "laboratory".*laboratory.*needs at least 1/);

  const noValue = labObservation();
  delete noValue.valueQuantity;
  expectIssues(t, noValue, 'egisz-lab-observation', [['error', 'VAL_INVARIANT_egisz-obs-1', 'Observation'], FSLI_NOT_LOADED]);
  noValue.dataAbsentReason = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'error' }] };
  expectIssues(t, noValue, 'egisz-lab-observation', [FSLI_NOT_LOADED]);

  const noUnitCode = labObservation();
  delete noUnitCode.valueQuantity!.code;
  expectIssues(t, noUnitCode, 'egisz-lab-observation', [['error', 'VAL_INVARIANT_egisz-obs-2', 'Observation'], FSLI_NOT_LOADED]);

  const emptyRange = labObservation();
  emptyRange.referenceRange = [emptyRange.referenceRange![0]!, { type: { text: 'норма' } }];
  expectIssues(t, emptyRange, 'egisz-lab-observation', [['error', 'VAL_INVARIANT_egisz-obs-3', 'Observation.referenceRange[1]'], FSLI_NOT_LOADED]);

  const groupSubject = labObservation();
  groupSubject.subject = { reference: 'Group/g1' };
  expectIssues(t, groupSubject, 'egisz-lab-observation', [['error', 'VAL_PROFILE_TYPE', 'Observation.subject.reference'], FSLI_NOT_LOADED]);
  groupSubject.subject = { reference: 'https://other.example.ru/fhir/Patient/p9/_history/2' };
  expectIssues(t, groupSubject, 'egisz-lab-observation', [FSLI_NOT_LOADED]);

  const timing = labObservation();
  delete timing.effectiveDateTime;
  timing.effectiveTiming = { event: ['2026-11-20T08:30:00+03:00'] };
  expectIssues(t, timing, 'egisz-lab-observation', [['error', 'VAL_PROFILE_TYPE', 'Observation.effective.ofType(Timing)'], FSLI_NOT_LOADED]);

  const noIssued = labObservation();
  delete noIssued.issued;
  delete noIssued.performer;
  expectIssues(t, noIssued, 'egisz-lab-observation', [
    ['error', 'VAL_PROFILE_CARDINALITY', 'Observation.issued'],
    ['error', 'VAL_PROFILE_CARDINALITY', 'Observation.performer'],
    FSLI_NOT_LOADED,
  ]);

  const hl7Interpretation = labObservation();
  hl7Interpretation.interpretation = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'H' }] }];
  expectIssues(t, hl7Interpretation, 'egisz-lab-observation', [FSLI_NOT_LOADED]);
  hl7Interpretation.interpretation = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'NOT-A-CODE' }] }];
  expectIssues(t, hl7Interpretation, 'egisz-lab-observation', [['warning', 'VAL_BINDING', 'Observation.interpretation[0]'], FSLI_NOT_LOADED]);
  hl7Interpretation.interpretation = [{ coding: [{ system: 'urn:oid:1.2.643.5.1.13.13.11.1381', code: 'WR' }] }];
  expectIssues(t, hl7Interpretation, 'egisz-lab-observation', [['warning', 'VAL_BINDING_UNKNOWN_DICTIONARY', 'Observation.interpretation[0]'], FSLI_NOT_LOADED]);
});

t.test('lab DiagnosticReport', async (t) => {
  const radiology = labReport();
  radiology.category = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD' }] }];
  expectIssues(t, radiology, 'egisz-lab-diagnosticreport', [['error', 'VAL_SLICE', 'DiagnosticReport.category'], SERVICES_NOT_LOADED]);

  const word = labReport();
  word.presentedForm = [{ contentType: 'application/msword', size: 1000 }];
  const [type] = expectIssues(t, word, 'egisz-lab-diagnosticreport', [['error', 'VAL_INVARIANT_egisz-dr-1', 'DiagnosticReport.presentedForm[0]'], SERVICES_NOT_LOADED])
    .filter((i) => i.severity === 'error');
  t.match(type!.en, /application\/pdf/);

  const huge = labReport();
  huge.presentedForm = [{ contentType: 'application/pdf', size: 10485761 }];
  const [size] = expectIssues(t, huge, 'egisz-lab-diagnosticreport', [['error', 'VAL_INVARIANT_egisz-dr-2', 'DiagnosticReport.presentedForm[0]'], SERVICES_NOT_LOADED])
    .filter((i) => i.severity === 'error');
  t.match(size!.en, /10 MB/);
  t.match(size!.ru, /10 МБ/);

  const signed = labReport();
  signed.presentedForm = [{ contentType: 'application/pkcs7-mime; smime-type=signed-data', size: 10485760 }];
  expectIssues(t, signed, 'egisz-lab-diagnosticreport', [SERVICES_NOT_LOADED]);

  const noContentType = labReport();
  noContentType.presentedForm = [{ size: 10 }];
  expectIssues(t, noContentType, 'egisz-lab-diagnosticreport', [['error', 'VAL_PROFILE_CARDINALITY', 'DiagnosticReport.presentedForm[0].contentType'], SERVICES_NOT_LOADED]);

  const secret = labReport();
  secret.meta = { security: [{ system: CONFIDENTIALITY, code: 'X' }] };
  const [binding] = expectIssues(t, secret, 'egisz-lab-diagnosticreport', [['error', 'VAL_BINDING', 'DiagnosticReport.meta.security[0]'], SERVICES_NOT_LOADED])
    .filter((i) => i.severity === 'error');
  t.match(binding!.en, /"X" \(urn:oid:1\.2\.643\.5\.1\.13\.13\.99\.2\.285\) is not in the ValueSet https:\/\/egisz\.example\.ru\/fhir\/ValueSet\/confidentiality/);

  const noMeta = labReport();
  delete noMeta.meta;
  expectIssues(t, noMeta, 'egisz-lab-diagnosticreport', [['error', 'VAL_PROFILE_CARDINALITY', 'DiagnosticReport.meta'], SERVICES_NOT_LOADED]);
});

t.test('Consent', async (t) => {
  const noPatient = cabinetConsent();
  delete noPatient.patient;
  expectIssues(t, noPatient, 'egisz-consent', [['error', 'VAL_PROFILE_CARDINALITY', 'Consent.patient']]);

  const proposed = cabinetConsent();
  proposed.status = 'proposed';
  expectIssues(t, proposed, 'egisz-consent', [['error', 'VAL_BINDING', 'Consent.status']]);

  const revoked = cabinetConsent();
  revoked.status = 'rejected';
  expectIssues(t, revoked, 'egisz-consent', []);

  const research = cabinetConsent();
  research.scope = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'research' }] };
  expectIssues(t, research, 'egisz-consent', [['error', 'VAL_PATTERN', 'Consent.scope']]);

  const noClasses = cabinetConsent();
  delete noClasses.provision!.class;
  delete noClasses.provision!.period;
  expectIssues(t, noClasses, 'egisz-consent', [
    ['error', 'VAL_PROFILE_CARDINALITY', 'Consent.provision.class'],
    ['error', 'VAL_PROFILE_CARDINALITY', 'Consent.provision.period'],
  ]);
});

t.test('unknown profile and wrong resource type', async (t) => {
  const issues = registry.validate(patient(), 'https://egisz.example.ru/fhir/StructureDefinition/no-such-profile');
  t.same(brief(issues), [['error', 'VAL_PROFILE_UNKNOWN', 'Patient.meta.profile']]);
  t.match(issues[0]!.en, /no-such-profile is not known/);
  expectIssues(t, patient(), 'egisz-lab-observation', [['error', 'VAL_PROFILE_TYPE', 'Patient']]);
  t.same(registry.validate(patient(), 'http://hl7.org/fhir/StructureDefinition/Patient'), [], 'an R4 definition as a profile adds nothing');
  t.same(registry.validate(patient(), `${PROFILE_BASE}egisz-patient|0.1.0`), [], 'a version after | is ignored');
});

function derivedProfile(id: string, type: string, base: string, elements: object[]): StructureDefinition {
  return {
    resourceType: 'StructureDefinition', id, url: PROFILE_BASE + id, name: id, status: 'draft', kind: 'resource', abstract: false,
    type, baseDefinition: base, derivation: 'constraint', differential: { element: elements as never },
  };
}

t.test('profiles registered at run time, on top of EGISZ profiles', async (t) => {
  const local = ProfileRegistry.fromDirectory();
  t.same(local.register(derivedProfile('snils-required', 'Patient', `${PROFILE_BASE}egisz-patient`, [
    { id: 'Patient.identifier:snils', path: 'Patient.identifier', min: 1 },
  ])), []);
  const withoutSnils = patient();
  withoutSnils.identifier = withoutSnils.identifier!.slice(1);
  expectIssues(t, withoutSnils, 'snils-required', [['error', 'VAL_SLICE', 'Patient.identifier']], local);
  withoutSnils.identifier[0]!.value = '5000000000001230';
  expectIssues(t, withoutSnils, 'snils-required', [
    ['error', 'VAL_SLICE', 'Patient.identifier'], ['error', 'VAL_CHECK_DIGIT', 'Patient.identifier[0].value'],
  ], local);

  t.same(local.register(derivedProfile('closed-org', 'Organization', `${PROFILE_BASE}egisz-organization`, [
    { id: 'Organization.identifier', path: 'Organization.identifier', slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'closed' } },
    { id: 'Organization.active', path: 'Organization.active', fixedBoolean: true },
  ])), []);
  const extra = organization();
  extra.identifier!.push({ system: 'https://clinic.example.ru/ids', value: '7' });
  extra.active = false;
  const issues = expectIssues(t, extra, 'closed-org', [
    ['error', 'VAL_SLICE', 'Organization.identifier[3]'], ['error', 'VAL_FIXED', 'Organization.active'],
  ], local);
  t.match(issues.find((i) => i.reason === 'VAL_SLICE')!.en, /matches none of the slices "frmo".*closed slicing/);
  expectIssues(t, organization(), 'egisz-organization', [], local);
  expectIssues(t, extra, 'egisz-organization', [], registry);

  t.same(local.register(derivedProfile('closed-org', 'Organization', `${PROFILE_BASE}egisz-organization`, [])), [], 'replaced');
  expectIssues(t, extra, 'closed-org', [], local);
});

t.test('a profile that cannot be used is refused and not kept', async (t) => {
  const local = ProfileRegistry.fromDirectory();
  const cases: [StructureDefinition, RegExp][] = [
    [derivedProfile('bad-base', 'Patient', `${PROFILE_BASE}nothing`, []), /base .*nothing is not known/],
    [derivedProfile('bad-element', 'Patient', `${PROFILE_BASE}egisz-patient`, [{ id: 'Patient.nickname', path: 'Patient.nickname', min: 1 }]), /Patient\.nickname is not an element/],
    [derivedProfile('looser', 'Patient', `${PROFILE_BASE}egisz-patient`, [{ id: 'Patient.gender', path: 'Patient.gender', min: 0 }]), /min 0 is below the base's 1/],
    [derivedProfile('bad-type', 'Observation', `${PROFILE_BASE}egisz-patient`, []), /type Observation differs/],
    [derivedProfile('bad-kind', 'Patient', `${PROFILE_BASE}egisz-patient`, [
      { id: 'Patient.identifier:snils.value', path: 'Patient.identifier.value', extension: [{ url: 'https://egisz.example.ru/fhir/StructureDefinition/check-digit', valueCode: 'iban' }] },
    ]), /unknown check-digit kind iban/],
  ];
  for (const [sd, why] of cases) {
    const issues = local.register(sd);
    t.same(brief(issues), [['error', 'VAL_PROFILE_INVALID', 'StructureDefinition']], sd.url);
    t.match(issues[0]!.en, why);
    t.same(brief(local.validate(patient(), sd.url)), [['error', 'VAL_PROFILE_UNKNOWN', 'Patient.meta.profile']], `${sd.id} is not kept`);
  }
});

t.test('generated snapshots', async (t) => {
  const sd = registry.structureDefinition(`${PROFILE_BASE}egisz-lab-observation`)!;
  const ids = sd.snapshot!.element.map((e) => e.id);
  const version = sd.snapshot!.element.find((e) => e.id === 'Observation.code.coding:fsli.version')!;
  t.match(version, { path: 'Observation.code.coding.version', min: 1, max: '1', base: { path: 'Coding.version', min: 0 } });
  t.ok(ids.indexOf('Observation.code.coding:fsli') > ids.indexOf('Observation.code.coding.userSelected'), 'a slice follows the children of what it slices');
  t.ok(ids.indexOf('Observation.code.text') > ids.indexOf('Observation.code.coding:fsli.userSelected'), 'and comes before the next sibling');
  const root = sd.snapshot!.element[0]!;
  t.same(root.constraint!.filter((c) => c.key.startsWith('egisz')).map((c) => c.source), [sd.url, sd.url]);
  t.ok(root.constraint!.some((c) => c.key === 'obs-6'), 'the R4 constraints stay');
  t.equal(sd.snapshot!.element.length, new Set(ids).size, 'ids are unique');
  t.notOk(registry.profiles().find((p) => p.url === sd.url)!.snapshot, 'the definition as loaded keeps only its differential');
  const extension = registry.structureDefinition('https://egisz.example.ru/fhir/StructureDefinition/check-digit')!;
  t.match(extension.snapshot!.element.find((e) => e.id === 'Extension.value[x]'), { min: 1, type: [{ code: 'code' }] });
});

t.test('NamingSystems of the identifier systems', async (t) => {
  t.equal(registry.namingSystem(SNILS)?.id, 'snils');
  t.equal(registry.namingSystem('urn:oid:1.2.643.2.69.1.1.1.6.223')?.id, 'snils');
  t.equal(registry.namingSystem(ENP)?.id, 'enp');
  t.equal(registry.namingSystem('1.2.643.100.4')?.id, 'inn');
  t.equal(registry.namingSystem(FSLI), undefined, 'a code system is not an identifier system');
});

t.test('every invariant of the EGISZ profiles has a native version that agrees with fhirpath.js', async (t) => {
  const observation = labObservation();
  const samples: Resource[] = [patient(), organization(), observation, labReport(), cabinetConsent(),
    { ...patient(), identifier: [{ system: 'x', value: '1' }, { system: ENP, value: '4509 12345' }], name: [{ given: ['А'] }] },
    { ...patient(), identifier: undefined },
    { ...organization(), identifier: [{ system: 'urn:oid:1.2.643.5.1.13.13.11.1461', value: '1.2.643.5.1.13.13.12.2.77' }] },
    { ...organization(), identifier: [{ system: 'urn:oid:1.2.643.100.4', value: '5001007329' }] },
    { ...observation, valueQuantity: { value: 1, system: 'http://unitsofmeasure.org' }, referenceRange: [{ text: 'x' }, {}] },
    { ...observation, valueQuantity: { value: 1, code: 'g', system: 'http://example.org/units' } },
    { ...observation, valueQuantity: undefined, valueString: 'отрицательно' },
    { ...observation, valueQuantity: undefined },
    { ...labReport(), presentedForm: [{ contentType: 'text/plain', size: 10485761 }, { contentType: 'application/pdf;x=1', data: 'QUJD' }, {}] },
  ];
  const outcomes = new Map<string, Set<boolean>>();
  for (const profile of registry.profiles().filter((p) => p.url.startsWith(PROFILE_BASE + 'egisz-'))) {
    for (const element of profile.differential!.element) {
      for (const constraint of element.constraint ?? []) {
        const native = NATIVE_INVARIANTS.get(constraint.expression!);
        t.ok(native, `${constraint.key} has a native version`);
        const viaFhirpath = fhirpath.compile({ base: element.path, expression: constraint.expression! } as never, r4model);
        for (const resource of samples.filter((r) => r.resourceType === profile.type)) {
          for (const value of fhirpath.evaluate(resource, element.path, undefined, r4model) as unknown[]) {
            const expected = !(viaFhirpath(value as never) as unknown[]).includes(false);
            t.equal(native!(value), expected, `${constraint.key} on ${JSON.stringify(value).slice(0, 80)}`);
            outcomes.set(constraint.key, (outcomes.get(constraint.key) ?? new Set()).add(expected));
          }
        }
      }
    }
  }
  t.equal(outcomes.size, 10, 'ten invariants');
  for (const [key, seen] of outcomes) t.equal(seen.size, 2, `${key} was seen to hold and to fail`);
});
