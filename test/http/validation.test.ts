import t from 'tap';
import { client } from '../support/fhir-client.js';
import { observation } from '../support/fixtures.js';
import { startServer } from '../support/server.js';
import { SNILS, labObservation, labReport, patient } from '../validation/egisz-fixtures.js';

const egisz = await startServer({ profiles: 'egisz' });
const lenient = await startServer({ profiles: 'egisz', validation: 'lenient' });
const off = await startServer({ profiles: 'egisz', validation: 'off' });
t.teardown(async () => {
  await egisz.close();
  await lenient.close();
  await off.close();
});
const fhir = client(egisz.base);

function badSnilsPatient() {
  const p = patient();
  delete p.id;
  p.identifier![0]!.value = '11223344596';
  return p;
}

const codesOf = (body: any) => body.issue.map((i: any) => i.details?.coding?.[0]?.code);

t.test('strict EGISZ mode: a bad SNILS is refused with 422, every issue listed at its location', async (t) => {
  const res = await fhir.post('/Patient', badSnilsPatient());
  t.equal(res.status, 422);
  t.equal(res.body.issue[0].details.coding[0].code, 'FHIR_ERR_VALIDATION_FAILED');
  const checkDigit = res.body.issue.find((i: any) => i.details.coding[0].code === 'VAL_CHECK_DIGIT');
  t.same(checkDigit.expression, ['Patient.identifier[0].value']);
  t.equal(checkDigit.severity, 'error');
  t.match(checkDigit.diagnostics, /should be 95/);
  t.match(checkDigit.details.text, /СНИЛС/);
  t.equal((await fhir.get(`/Patient?identifier=${SNILS}|11223344596`)).body.total, 0, 'nothing stored');
});

t.test('a SNILS written with separators is stored as 11 digits', async (t) => {
  const p = patient();
  delete p.id;
  p.identifier![0]!.value = '112-233-445 95';
  const res = await fhir.post('/Patient', p);
  t.equal(res.status, 201);
  t.equal(res.body.identifier[0].value, '11223344595');
  t.equal((await fhir.get(`/Patient?identifier=${SNILS}|11223344595`)).body.total, 1, 'found by the normalised value');
});

t.test('structural errors, unknown profiles and EGISZ rules each give their issue', async (t) => {
  const misspelt = await fhir.post('/Observation', { ...labObservation(), id: undefined, valueQuanity: { value: 1 } });
  t.equal(misspelt.status, 422);
  t.same(misspelt.body.issue[1].expression, ['Observation.valueQuanity']);

  const unknownProfile = await fhir.post('/Observation', { ...labObservation(), id: undefined, meta: { profile: ['https://example.org/no-such-profile'] } });
  t.equal(unknownProfile.status, 422);
  t.ok(codesOf(unknownProfile.body).includes('VAL_PROFILE_UNKNOWN'));

  const notLab = await fhir.post('/Observation', observation('somebody'));
  t.equal(notLab.status, 422, 'an Observation without performer is not an EGISZ lab result');
  t.ok(notLab.body.issue.slice(1).every((i: any) => i.expression?.[0]?.startsWith('Observation')), 'each issue says where');

  const valid = await fhir.post('/Observation', { ...labObservation(), id: undefined });
  t.equal(valid.status, 201, 'a valid EGISZ lab result is stored (its invented ФСЛИ code only warns)');
});

t.test('a transaction entry that fails validation fails the transaction, with locations inside the Bundle', async (t) => {
  const res = await fhir.post('', {
    resourceType: 'Bundle', type: 'transaction',
    entry: [
      { fullUrl: 'urn:uuid:33333333-0000-4000-8000-000000000001', resource: { ...labObservation(), id: undefined }, request: { method: 'POST', url: 'Observation' } },
      { fullUrl: 'urn:uuid:33333333-0000-4000-8000-000000000002', resource: badSnilsPatient(), request: { method: 'POST', url: 'Patient' } },
    ],
  });
  t.equal(res.status, 422);
  t.match(res.body.issue[0].diagnostics, /^Bundle\.entry\[1\]/);
  const checkDigit = res.body.issue.find((i: any) => i.details?.coding?.[0]?.code === 'VAL_CHECK_DIGIT');
  t.same(checkDigit.expression, ['Bundle.entry[1].resource.identifier[0].value']);
});

t.test('VALIDATION=lenient stores what strict refuses; off does not validate', async (t) => {
  const stored = await client(lenient.base).post('/Patient', badSnilsPatient());
  t.equal(stored.status, 201);
  t.equal(stored.body.resourceType, 'OperationOutcome', 'the answer reports what validation found');
  const warning = stored.body.issue.find((i: any) => i.details?.coding?.[0]?.code === 'VAL_CHECK_DIGIT');
  t.equal(warning.severity, 'warning', 'as a warning: the resource was stored');
  t.same(warning.expression, ['Patient.identifier[0].value']);
  const id = /Patient\/([^/]+)\//.exec(stored.headers.get('location')!)![1];
  t.equal((await client(lenient.base).get(`/Patient/${id}`)).body.identifier[0].value, '11223344596', 'stored as sent');
  const asked = await client(lenient.base).post('/Patient', badSnilsPatient(), { headers: { prefer: 'return=representation' } });
  t.equal(asked.body.resourceType, 'Patient', 'Prefer: return=representation still gets the resource');
  const unchecked = await client(off.base).post('/Observation', { ...observation('x'), valueQuanity: 1 });
  t.equal(unchecked.status, 201);
});

t.test('$validate answers an OperationOutcome and stores nothing', async (t) => {
  const bad = await fhir.post('/Patient/$validate', badSnilsPatient());
  t.equal(bad.status, 200);
  t.ok(codesOf(bad.body).includes('VAL_CHECK_DIGIT'));
  const good = await fhir.post('/Patient/$validate', { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: { ...patient(), id: undefined } }, { name: 'mode', valueCode: 'create' }] });
  t.equal(good.body.issue[0].severity, 'information');
  const wrongType = await fhir.post('/Observation/$validate', { ...patient(), id: undefined });
  t.equal(wrongType.status, 400, 'a Patient is not an Observation');
  const askedProfile = await client(off.base).post('/Observation/$validate?profile=https://egisz.example.ru/fhir/StructureDefinition/egisz-lab-observation', observation('x'));
  t.ok(askedProfile.body.issue.some((i: any) => i.severity === 'error'), 'the profile asked for applies even with VALIDATION=off');
  const stored = await client(off.base).post('/Observation', { ...observation('x'), valueQuanity: 1 });
  const instance = await client(off.base).get(`/Observation/${stored.body.id}/$validate`);
  t.same(instance.body.issue[0].expression, ['Observation.valueQuanity'], 'the stored resource validated at instance level');
  const badMode = await fhir.post('/Patient/$validate?mode=replace', patient());
  t.equal(badMode.status, 400);
  t.equal((await fhir.get(`/Patient?identifier=${SNILS}|11223344596`)).body.total, 0);
});

t.test('the EGISZ profiles are served, listed in the CapabilityStatement, and profiles written to the server apply at once', async (t) => {
  const sd = await fhir.get('/StructureDefinition/egisz-patient');
  t.equal(sd.status, 200);
  t.equal(sd.body.url, 'https://egisz.example.ru/fhir/StructureDefinition/egisz-patient');
  t.equal((await fhir.get('/StructureDefinition?url=https://egisz.example.ru/fhir/StructureDefinition/egisz-lab-observation')).body.total, 1);
  const metadata = (await fhir.get('/metadata')).body;
  const patientEntry = metadata.rest[0].resource.find((r: any) => r.type === 'Patient');
  t.ok(patientEntry.supportedProfile.includes('https://egisz.example.ru/fhir/StructureDefinition/egisz-patient'));
  t.ok(patientEntry.operation.some((o: any) => o.name === 'validate'));

  const url = 'https://clinic.example.ru/fhir/StructureDefinition/patient-with-phone';
  const profile = {
    resourceType: 'StructureDefinition', url, name: 'PatientWithPhone', status: 'active', kind: 'resource', abstract: false,
    type: 'Patient', baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient', derivation: 'constraint',
    differential: { element: [{ id: 'Patient.telecom', path: 'Patient.telecom', min: 1 }] },
  };
  t.equal((await fhir.post('/StructureDefinition', profile)).status, 201);
  const claiming = { ...patient(), id: undefined, meta: { profile: [url] } };
  const refused = await fhir.post('/Patient', claiming);
  t.equal(refused.status, 422, 'the new profile is enforced without a restart');
  t.ok(refused.body.issue.some((i: any) => i.expression?.[0] === 'Patient.telecom'));
  t.equal((await fhir.post('/Patient', { ...claiming, telecom: [{ system: 'phone', value: '+7 900 000-00-00' }] })).status, 201);
  const unusable = await fhir.post('/StructureDefinition', { ...profile, url: `${url}-broken`, baseDefinition: 'https://nowhere.example/StructureDefinition/x' });
  t.equal(unusable.status, 422, 'a profile that cannot be used is refused');
});

t.test('attachments over ATTACHMENT_LIMIT and presentedForm of a wrong type are refused with the reason', async (t) => {
  const small = await startServer({ attachmentLimit: 1000 });
  t.teardown(() => small.close());
  const limited = client(small.base);
  const data = (bytes: number) => Buffer.alloc(bytes, 7).toString('base64');
  t.equal((await limited.post('/Binary', { resourceType: 'Binary', contentType: 'application/pdf', data: data(1000) })).status, 201, 'at the limit');
  const binary = await limited.post('/Binary', { resourceType: 'Binary', contentType: 'application/pdf', data: data(1001) });
  t.equal(binary.status, 422);
  const tooLarge = binary.body.issue.find((i: any) => i.details?.coding?.[0]?.code === 'VAL_ATTACHMENT_TOO_LARGE');
  t.same(tooLarge.expression, ['Binary.data']);
  t.match(tooLarge.diagnostics, /1001 bytes.*limit.*1000 bytes/);
  t.match(tooLarge.details.text, /предельный размер/);
  const declared = await limited.post('/DiagnosticReport', { ...labReport(), id: undefined, presentedForm: [{ contentType: 'application/pdf', size: 5000, url: 'Binary/x' }] });
  t.equal(declared.status, 422);
  t.ok(declared.body.issue.some((i: any) => i.expression?.[0] === 'DiagnosticReport.presentedForm[0]' && i.details.coding[0].code === 'VAL_ATTACHMENT_TOO_LARGE'));

  const wrongType = await fhir.post('/DiagnosticReport', { ...labReport(), id: undefined, presentedForm: [{ contentType: 'image/png', size: 100, url: 'Binary/x' }] });
  t.equal(wrongType.status, 422, 'EGISZ: the printed form is a PDF (or a signed CMS of it)');
  t.ok(wrongType.body.issue.slice(1).every((i: any) => i.diagnostics && i.details.text), 'the reason is stated, in English and Russian');
  t.ok(wrongType.body.issue.some((i: any) => String(i.expression?.[0]).startsWith('DiagnosticReport.presentedForm')));
});
