import t from 'tap';
import type { BundleEntry } from 'fhir/r4.js';
import { client } from '../support/fhir-client.js';
import { observation, patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const server = await startServer();
t.teardown(() => server.close());
const fhir = client(server.base);
const SNILS = 'urn:oid:1.2.643.100.3';

function transaction(entry: BundleEntry[]) {
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

function post(resource: any, fullUrl?: string, extra: Record<string, string> = {}): BundleEntry {
  return { ...(fullUrl ? { fullUrl } : {}), resource, request: { method: 'POST', url: resource.resourceType, ...extra } as any };
}

async function count(query: string): Promise<number> {
  return (await fhir.get(`${query}${query.includes('?') ? '&' : '?'}_total=accurate&_count=0`)).body.total;
}

/** A lab's report: the patient (created unless known by SNILS), the lab, two results and the report. */
function labBundle(snils: string, reportCode = 'CBC') {
  return transaction([
    post(patient('Лабораторный', snils), 'urn:uuid:5f0c8a52-0000-4000-8000-000000000001', { ifNoneExist: `identifier=${SNILS}|${snils}` }),
    post({ resourceType: 'Organization', name: 'КДЛ №1' }, 'urn:oid:1.2.643.5.1.13.13.12.2.77.7973'),
    post({ ...observation('x', '1000'), subject: { reference: 'urn:uuid:5f0c8a52-0000-4000-8000-000000000001' },
      performer: [{ reference: 'urn:oid:1.2.643.5.1.13.13.12.2.77.7973' }] }, 'urn:uuid:5f0c8a52-0000-4000-8000-0000000000a1'),
    post({ ...observation('x', '1001'), subject: { reference: 'urn:uuid:5f0c8a52-0000-4000-8000-000000000001' } }, 'urn:uuid:5f0c8a52-0000-4000-8000-0000000000a2'),
    post({
      resourceType: 'DiagnosticReport', status: 'final', code: { text: reportCode },
      subject: { reference: 'urn:uuid:5f0c8a52-0000-4000-8000-000000000001' },
      performer: [{ reference: 'urn:oid:1.2.643.5.1.13.13.12.2.77.7973' }],
      result: [{ reference: 'urn:uuid:5f0c8a52-0000-4000-8000-0000000000a1' }, { reference: 'urn:uuid:5f0c8a52-0000-4000-8000-0000000000a2' }],
    }, 'urn:uuid:5f0c8a52-0000-4000-8000-0000000000d1'),
  ]);
}

t.test('a lab transaction writes every entry and links them by the ids the server gave', async (t) => {
  const res = await fhir.post('', labBundle('11223344595'));
  t.equal(res.status, 200);
  t.equal(res.body.type, 'transaction-response');
  t.same(res.body.entry.map((e: any) => e.response.status), ['201 Created', '201 Created', '201 Created', '201 Created', '201 Created']);
  const [pat, org, obs1, obs2, report] = res.body.entry.map((e: any) => e.resource);
  t.match(res.body.entry[0].response.location, new RegExp(`^Patient/${pat.id}/_history/1$`));
  t.equal(res.body.entry[0].response.etag, 'W/"1"');
  t.ok(res.body.entry[0].response.lastModified);
  t.equal(res.body.entry[0].fullUrl, `${server.base}/Patient/${pat.id}`);
  t.equal(obs1.subject.reference, `Patient/${pat.id}`, 'urn:uuid reference rewritten');
  t.equal(obs1.performer[0].reference, `Organization/${org.id}`, 'urn:oid reference rewritten');
  t.same(report.result.map((r: any) => r.reference), [`Observation/${obs1.id}`, `Observation/${obs2.id}`]);
  const stored = await fhir.get(`/DiagnosticReport/${report.id}`);
  t.equal(stored.body.subject.reference, `Patient/${pat.id}`, 'as stored, not only as answered');
  const bySubject = await fhir.get(`/Observation?subject=Patient/${pat.id}&_sort=code`);
  t.same(bySubject.body.entry.map((e: any) => e.resource.id), [obs1.id, obs2.id], 'references are indexed with the real ids');

  const again = await fhir.post('', labBundle('11223344595', 'CBC-2'));
  t.equal(again.body.entry[0].response.status, '200 OK', 'the known patient (ifNoneExist) is not created again');
  t.equal(again.body.entry[0].resource.id, pat.id);
  t.equal(again.body.entry[2].resource.subject.reference, `Patient/${pat.id}`, 'references to it point at the existing patient');
  t.equal(await count(`/Patient?identifier=${SNILS}|11223344595`), 1);
});

t.test('a failing last entry leaves no trace of the entries before it', async (t) => {
  const before = { patients: await count('/Patient'), observations: await count('/Observation'), history: (await fhir.get('/_history?_count=1')).body.total };
  const bundle = labBundle('22233344405');
  bundle.entry.push({ request: { method: 'PUT', url: 'Patient/does-not-matter' }, resource: { resourceType: 'Patient', id: 'other-id' } } as any);
  const res = await fhir.post('', bundle);
  t.equal(res.status, 400);
  t.equal(res.body.resourceType, 'OperationOutcome');
  t.equal(res.body.issue[0].details.coding[0].code, 'FHIR_ERR_ID_MISMATCH');
  t.match(res.body.issue[0].diagnostics, /^Bundle\.entry\[5\]: /, 'names the failing entry');
  t.same(res.body.issue[0].expression, ['Bundle.entry[5]']);
  t.equal(await count('/Patient'), before.patients, 'no patient written');
  t.equal(await count('/Observation'), before.observations, 'no observation written');
  t.equal(await count(`/Patient?identifier=${SNILS}|22233344405`), 0);
  t.equal((await fhir.get('/_history?_count=1')).body.total, before.history, 'no history entry written');

  const conflict = labBundle('22233344405');
  const existing = await fhir.post('/Patient', patient('Версия'));
  conflict.entry.push({ request: { method: 'PUT', url: `Patient/${existing.body.id}`, ifMatch: 'W/"7"' }, resource: { ...existing.body } } as any);
  const lost = await fhir.post('', conflict);
  t.equal(lost.status, 412, 'an entry If-Match that loses fails the transaction with 412');
  t.match(lost.body.issue[0].diagnostics, /Bundle\.entry\[5\]/);
  t.equal(await count(`/Patient?identifier=${SNILS}|22233344405`), 0);
  t.equal((await fhir.get(`/Patient/${existing.body.id}`)).body.meta.versionId, '1');
});

t.test('an entry that cannot be understood fails the transaction with its index and fullUrl', async (t) => {
  const res = await fhir.post('', transaction([
    post(patient('Первый', '33344455508'), 'urn:uuid:aaaaaaaa-0000-4000-8000-000000000001'),
    { fullUrl: 'urn:uuid:aaaaaaaa-0000-4000-8000-000000000002', request: { method: 'TRACE', url: 'Patient' } } as any,
  ]));
  t.equal(res.status, 400);
  t.match(res.body.issue[0].diagnostics, 'Bundle.entry[1] (urn:uuid:aaaaaaaa-0000-4000-8000-000000000002)');
  t.equal(await count(`/Patient?identifier=${SNILS}|33344455508`), 0);

  const dangling = await fhir.post('', transaction([
    post({ ...observation('x'), subject: { reference: 'urn:uuid:00000000-0000-4000-8000-00000000dead' } }, 'urn:uuid:aaaaaaaa-0000-4000-8000-000000000003'),
  ]));
  t.equal(dangling.status, 400, 'a urn:uuid reference to no entry');
  t.equal(dangling.body.issue[0].details.coding[0].code, 'FHIR_ERR_REFERENCE_UNRESOLVED');

  const duplicate = await fhir.post('', transaction([
    post(patient(), 'urn:uuid:aaaaaaaa-0000-4000-8000-000000000004'),
    post(patient(), 'urn:uuid:aaaaaaaa-0000-4000-8000-000000000004'),
  ]));
  t.equal(duplicate.status, 400, 'two entries with one fullUrl');
  t.equal(duplicate.body.issue[0].details.coding[0].code, 'FHIR_ERR_FULLURL_DUPLICATE');

  const document = await fhir.post('', { resourceType: 'Bundle', type: 'document', entry: [] });
  t.equal(document.status, 400);
  t.equal(document.body.issue[0].details.coding[0].code, 'FHIR_ERR_BUNDLE_TYPE_NOT_PROCESSABLE');
  const notBundle = await fhir.post('', patient());
  t.equal(notBundle.status, 400);
});

t.test('references by absolute and relative fullUrl, in contained resources and extensions', async (t) => {
  const base = 'https://lis.example.ru/fhir';
  const res = await fhir.post('', transaction([
    post(patient('Абсолютный', '44455566602'), `${base}/Patient/lis-17`),
    post({
      ...observation('x'), subject: { reference: 'Patient/lis-17' }, // relative to this entry's base
      contained: [{ resourceType: 'Specimen', id: 's1', subject: { reference: `${base}/Patient/lis-17` } }],
      specimen: { reference: '#s1' },
      extension: [{ url: 'https://example.ru/ext', extension: [{ url: 'who', valueReference: { reference: 'Patient/lis-17' } }] }],
    }, `${base}/Observation/lis-obs-1`),
    post({ ...observation('x'), subject: { reference: 'Patient/lis-17' } }, 'urn:uuid:bbbbbbbb-0000-4000-8000-000000000001'),
  ]));
  t.equal(res.status, 200);
  const patientId = res.body.entry[0].resource.id;
  t.not(patientId, 'lis-17', 'POST gives a server id');
  const [, obs, other] = res.body.entry.map((e: any) => e.resource);
  t.equal(obs.subject.reference, `Patient/${patientId}`, 'relative to the entry base');
  t.equal(obs.contained[0].subject.reference, `Patient/${patientId}`, 'in a contained resource');
  t.equal(obs.specimen.reference, '#s1', 'a local reference stays');
  t.equal(obs.extension[0].extension[0].valueReference.reference, `Patient/${patientId}`, 'in a nested extension');
  t.equal(other.subject.reference, 'Patient/lis-17', 'an entry with a urn fullUrl resolves relative references on this server, which has no Patient/lis-17 entry');
});

t.test('conditional references resolve to exactly one match, else 412 with the count found', async (t) => {
  const one = await fhir.post('/Patient', patient('Один', '55566677704'));
  await fhir.post('/Patient', patient('Двойник', '66677788806'));
  await fhir.post('/Patient', patient('Двойник', '66677788806'));
  await fhir.post('/Patient', patient('Двойник', '66677788806'));
  const ok = await fhir.post('', transaction([post({ ...observation('x'), subject: { reference: `Patient?identifier=${SNILS}|55566677704` } })]));
  t.equal(ok.status, 200);
  t.equal(ok.body.entry[0].resource.subject.reference, `Patient/${one.body.id}`);

  const none = await fhir.post('', transaction([post({ ...observation('x'), subject: { reference: `Patient?identifier=${SNILS}|00000000000` } })]));
  t.equal(none.status, 412);
  t.equal(none.body.issue[0].details.coding[0].code, 'FHIR_ERR_CONDITIONAL_REFERENCE_NONE');
  t.match(none.body.issue[0].diagnostics, /matched 0 resources/);

  const many = await fhir.post('', transaction([post({ ...observation('x'), subject: { reference: `Patient?identifier=${SNILS}|66677788806` } })]));
  t.equal(many.status, 412);
  t.equal(many.body.issue[0].details.coding[0].code, 'FHIR_ERR_CONDITIONAL_REFERENCE_MULTIPLE');
  t.match(many.body.issue[0].diagnostics, /matched 3 resources/);

  const createdHere = await fhir.post('', transaction([
    post({ ...observation('x'), subject: { reference: `Patient?identifier=${SNILS}|77788899901` } }),
    post(patient('Новый', '77788899901'), undefined, { ifNoneExist: `identifier=${SNILS}|77788899901` }),
  ]));
  t.equal(createdHere.status, 200, 'a conditional reference to the conditional create of the same bundle');
  t.equal(createdHere.body.entry[0].resource.subject.reference, `Patient/${createdHere.body.entry[1].resource.id}`);

  const unknownParam = await fhir.post('', transaction([post({ ...observation('x'), subject: { reference: 'Patient?nonsense=1' } })]));
  t.equal(unknownParam.status, 400);
});

t.test('conditional update, patch and delete entries; ifMatch; processing order', async (t) => {
  const keep = await fhir.post('/Patient', patient('Оставить', '88899900007'));
  const remove = await fhir.post('/Patient', patient('Удалить', '99900011105'));
  const patchDoc = [{ op: 'replace', path: '/gender', value: 'female' }];
  const res = await fhir.post('', transaction([
    { request: { method: 'GET', url: `Patient/${remove.body.id}` } } as any,
    { request: { method: 'PUT', url: `Patient?identifier=${SNILS}|88899900007` }, resource: { ...patient('Обновлён', '88899900007') } } as any,
    { request: { method: 'PATCH', url: `Patient/${keep.body.id}`, ifMatch: 'W/"1"' },
      resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from(JSON.stringify(patchDoc)).toString('base64') } } as any,
    { request: { method: 'DELETE', url: `Patient?identifier=${SNILS}|99900011105` } } as any,
    { request: { method: 'DELETE', url: `Patient?identifier=${SNILS}|12312312300` } } as any,
  ]));
  t.equal(res.status, 400, 'a PUT and a PATCH of the same resource overlap');
  t.equal(res.body.issue[0].details.coding[0].code, 'FHIR_ERR_TRANSACTION_OVERLAP');

  const ordered = await fhir.post('', transaction([
    { request: { method: 'GET', url: `Patient/${remove.body.id}` } } as any,
    { request: { method: 'PUT', url: `Patient?identifier=${SNILS}|88899900007` }, resource: { ...patient('Обновлён', '88899900007') } } as any,
    { request: { method: 'DELETE', url: `Patient?identifier=${SNILS}|99900011105` } } as any,
    { request: { method: 'DELETE', url: `Patient?identifier=${SNILS}|12312312300` } } as any,
  ]));
  t.equal(ordered.status, 410, 'GET runs after DELETE, inside the transaction, and its failure fails it');
  t.match(ordered.body.issue[0].diagnostics, /^Bundle\.entry\[0\]/);
  t.equal((await fhir.get(`/Patient/${remove.body.id}`)).status, 200, 'so the delete was rolled back');

  const done = await fhir.post('', transaction([
    { request: { method: 'PUT', url: `Patient?identifier=${SNILS}|88899900007` }, resource: { ...patient('Обновлён', '88899900007') } } as any,
    { request: { method: 'DELETE', url: `Patient?identifier=${SNILS}|99900011105` } } as any,
    { request: { method: 'DELETE', url: `Patient?identifier=${SNILS}|12312312300` } } as any,
    { request: { method: 'GET', url: `Patient?identifier=${SNILS}|99900011105` } } as any,
    { request: { method: 'GET', url: `Patient/${keep.body.id}`, ifNoneMatch: 'W/"2"' } } as any,
  ]));
  t.equal(done.status, 200);
  t.same(done.body.entry.map((e: any) => e.response.status), ['200 OK', '200 OK', '204 No Content', '200 OK', '304 Not Modified']);
  t.equal(done.body.entry[0].resource.id, keep.body.id, 'the conditional update found the patient');
  t.equal(done.body.entry[0].resource.name[0].family, 'Обновлён');
  t.equal(done.body.entry[3].resource.total, 0, 'the search sees the delete of the same transaction');
  t.notOk(done.body.entry[4].resource, 'a 304 has no body');
  t.equal((await fhir.get(`/Patient/${remove.body.id}`)).status, 410);

  const patched = await fhir.post('', transaction([
    { request: { method: 'PATCH', url: `Patient/${keep.body.id}`, ifMatch: 'W/"2"' },
      resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from(JSON.stringify(patchDoc)).toString('base64') } } as any,
  ]));
  t.equal(patched.status, 200);
  t.equal(patched.body.entry[0].resource.gender, 'female');
  t.equal(patched.body.entry[0].response.etag, 'W/"3"');
  const badPatch = await fhir.post('', transaction([
    { request: { method: 'PATCH', url: `Patient/${keep.body.id}` }, resource: { resourceType: 'Parameters' } } as any,
  ]));
  t.equal(badPatch.status, 400);
  t.equal(badPatch.body.issue[0].details.coding[0].code, 'FHIR_ERR_PATCH_ENTRY_FORMAT');
});

t.test('Prefer: return=minimal leaves the resources out of the response entries', async (t) => {
  const res = await fhir.post('', transaction([post(patient('Минимальный', '10120230306'))]), { headers: { prefer: 'return=minimal' } });
  t.equal(res.status, 200);
  t.notOk(res.body.entry[0].resource);
  t.match(res.body.entry[0].response, { status: '201 Created', etag: 'W/"1"' });
  t.match(res.body.entry[0].response.location, /^Patient\/[^/]+\/_history\/1$/);
});

t.test('two conditional creates with the same criteria in one bundle make one resource', async (t) => {
  const criteria = { ifNoneExist: `identifier=${SNILS}|20230340302` };
  const res = await fhir.post('', transaction([
    post(patient('Дважды', '20230340302'), 'urn:uuid:cccccccc-0000-4000-8000-000000000001', criteria),
    post(patient('Дважды', '20230340302'), 'urn:uuid:cccccccc-0000-4000-8000-000000000002', criteria),
    post({ ...observation('x'), subject: { reference: 'urn:uuid:cccccccc-0000-4000-8000-000000000002' } }),
  ]));
  t.equal(res.status, 200);
  t.same(res.body.entry.map((e: any) => e.response.status), ['201 Created', '200 OK', '201 Created']);
  t.equal(res.body.entry[1].resource.id, res.body.entry[0].resource.id);
  t.equal(res.body.entry[2].resource.subject.reference, `Patient/${res.body.entry[0].resource.id}`);
  t.equal(await count(`/Patient?identifier=${SNILS}|20230340302`), 1);
});
