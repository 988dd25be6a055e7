/**
 * What a token reaches beyond its scopes' interactions: searches, includes and history show nothing
 * of types it cannot read, chains into types it cannot search are refused, and an `organization`
 * claim limits the organization's resources (searches, counts, reads, writes, transactions, history).
 * Real signed JWTs against a real server; the data is written with a full-scope token.
 */
import type { Observation, Resource } from 'fhir/r4.js';
import t from 'tap';
import { client } from '../support/fhir-client.js';
import { observation, patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';
import { clientWithToken, testIssuer } from '../support/test-tokens.js';

const issuer = await testIssuer();
t.teardown(() => issuer.remove());
const server = await startServer({ auth: issuer.authSettings });
t.teardown(() => server.close());

const as = async (scope: string, claims: Record<string, unknown> = {}) => clientWithToken(server.base, await issuer.token(scope, claims));

type Entry = { resource: Resource; search?: { mode: string } };
/** "Type/id" of a Bundle's resources (OperationOutcomes aside), in order. */
const listed = (bundle: { entry?: Entry[] }): string[] =>
  (bundle.entry ?? []).map((e) => e.resource).filter((r) => r.resourceType !== 'OperationOutcome').map((r) => `${r.resourceType}/${r.id}`);
const codeOf = (body: { issue: { details: { coding: { code: string }[] } }[] }): string => body.issue[0]!.details.coding[0]!.code;

const admin = await as('system/*.cruds');
const ref = (reference: string) => ({ reference });
async function put<T extends Resource>(resource: T & { id: string }): Promise<void> {
  const res = await admin.put(`/${resource.resourceType}/${resource.id}`, resource);
  if (res.status >= 300) throw new Error(`PUT ${resource.resourceType}/${resource.id}: ${res.status} ${res.text}`);
}
function obs(id: string, subject: string, performer: string, extra: Partial<Observation> = {}): Observation & { id: string } {
  return { ...observation('x'), id, subject: ref(subject), performer: [ref(performer)], identifier: [{ system: 'urn:test:obs', value: id }], ...extra };
}

// Two organizations, each with its patient; obs-a2 (org-a) is about org-b's patient; obs-gone (org-b) is deleted.
await put({ resourceType: 'Organization', id: 'org-a', name: 'Поликлиника А' });
await put({ resourceType: 'Organization', id: 'org-b', name: 'Поликлиника Б' });
await put({ resourceType: 'Practitioner', id: 'doc', name: [{ family: 'Врачев' }] });
await put({ ...patient('Альфа'), id: 'pa', managingOrganization: ref('Organization/org-a') });
await put({ ...patient('Бета', '12345678964'), id: 'pb', managingOrganization: ref('Organization/org-b') });
await put(obs('obs-a1', 'Patient/pa', 'Organization/org-a'));
await put(obs('obs-a2', 'Patient/pb', 'Organization/org-a'));
await put(obs('obs-b1', 'Patient/pb', 'Organization/org-b'));
await put(obs('obs-gone', 'Patient/pb', 'Organization/org-b'));
await admin.delete('/Observation/obs-gone');
await put({ resourceType: 'DiagnosticReport', id: 'dr-a', status: 'final', code: { text: 'ОАК' }, subject: ref('Patient/pa'), performer: [ref('Organization/org-a')], result: [ref('Observation/obs-a1')] });

t.test('includes leave out types the token cannot read, silently, also with :iterate and *', async (t) => {
  const observationsOnly = await as('system/Observation.rs');
  for (const query of ['_include=Observation:subject', '_include=*', '_include=Observation:subject:Patient&_revinclude=DiagnosticReport:result']) {
    const res = await observationsOnly.get(`/Observation?_id=obs-a1&${query}`);
    t.equal(res.status, 200, query);
    t.same(listed(res.body), ['Observation/obs-a1'], `${query}: the match only`);
    t.same(res.body.entry.map((e: Entry) => e.search?.mode), ['match'], `${query}: no include, no outcome names what was left out`);
  }
  const both = await as('system/Observation.rs system/Patient.rs');
  t.same(listed((await both.get('/Observation?_id=obs-a1&_include=Observation:subject')).body), ['Observation/obs-a1', 'Patient/pa'], 'a token that reads Patients gets them');

  const patients = await as('system/Patient.rs');
  const rev = await patients.get('/Patient?_id=pa&_revinclude=Observation:subject');
  t.same(listed(rev.body), ['Patient/pa'], '_revinclude of an unreadable type adds nothing');

  const reportsAndResults = 'system/DiagnosticReport.rs system/Observation.rs';
  const iterate = '/DiagnosticReport?_id=dr-a&_include=DiagnosticReport:result&_include:iterate=Observation:subject';
  t.same(listed((await (await as(reportsAndResults)).get(iterate)).body), ['DiagnosticReport/dr-a', 'Observation/obs-a1'], ':iterate stops at an unreadable type');
  t.same(listed((await (await as(`${reportsAndResults} system/Patient.r`)).get(iterate)).body), ['DiagnosticReport/dr-a', 'Observation/obs-a1', 'Patient/pa'], 'read (.r) is enough to be included');
});

t.test('chains and _has into types the token cannot search are refused', async (t) => {
  const observationsOnly = await as('system/Observation.rs');
  for (const query of ['/Observation?subject:Patient.family=Альфа', '/Observation?subject.family=Альфа']) {
    const res = await observationsOnly.get(query);
    t.equal(res.status, 403, query);
    t.equal(codeOf(res.body), 'FHIR_ERR_FORBIDDEN', query);
    t.match(res.body.issue[0].diagnostics, 'system/Patient.s', query);
  }
  const patients = await as('system/Patient.rs');
  const has = await patients.get('/Patient?_has:Observation:subject:code=x');
  t.equal(has.status, 403, '_has searches Observations');
  t.match(has.body.issue[0].diagnostics, 'search on Observation');
  const both = await as('system/Observation.rs system/Patient.rs');
  t.same(listed((await both.get('/Observation?subject:Patient.family=Альфа')).body), ['Observation/obs-a1'], 'with both scopes the chain runs');
});

const CLINIC_A = 'system/Observation.cruds system/Patient.cruds system/Organization.rs system/DiagnosticReport.rs system/Practitioner.rs';

t.test('an organization claim limits searches, their totals, paging, includes and chains', async (t) => {
  const clinic = await as(CLINIC_A, { organization: 'Organization/org-a' });
  const all = await clinic.get('/Observation?_total=accurate');
  t.same(listed(all.body).sort(), ['Observation/obs-a1', 'Observation/obs-a2']);
  t.equal(all.body.total, 2, '_total counts only the organization\'s');
  t.equal((await clinic.get('/Observation?_summary=count')).body.total, 2, '_summary=count too');
  const first = await clinic.get('/Observation?_count=1&_total=accurate');
  t.equal(first.body.total, 2);
  const next = first.body.link.find((l: { relation: string }) => l.relation === 'next').url;
  const second = await clinic.get(next);
  t.same([...listed(first.body), ...listed(second.body)].sort(), ['Observation/obs-a1', 'Observation/obs-a2'], 'paging walks the organization\'s only');
  t.notOk(second.body.link.some((l: { relation: string }) => l.relation === 'next'), 'and ends there');

  t.same(listed((await clinic.get('/Patient')).body), ['Patient/pa'], 'Patient.managingOrganization');
  t.same(listed((await clinic.get('/Organization')).body), ['Organization/org-a'], 'the Organization itself');
  t.same(listed((await clinic.get('/Practitioner')).body), ['Practitioner/doc'], 'types the table does not name are not limited');
  const included = await clinic.get('/Observation?_id=obs-a2&_include=Observation:subject&_include=Observation:performer');
  t.same(listed(included.body), ['Observation/obs-a2', 'Organization/org-a'], 'another organization\'s patient is not included');
  t.same(listed((await clinic.get('/Patient?_id=pb&_revinclude=Observation:subject')).body), [], 'nor searched');
  t.same(listed((await clinic.get('/Patient?_id=pa&_revinclude=Observation:subject')).body), ['Patient/pa', 'Observation/obs-a1']);
  t.same(listed((await clinic.get('/Observation?subject:Patient.family=Бета')).body), [], 'a chain searches only the organization\'s patients');
  t.same(listed((await clinic.get('/Patient?_has:Observation:subject:performer=Organization/org-b')).body), [], '_has only its observations');
  t.same(listed((await clinic.get('/Patient/pb/Observation')).body), ['Observation/obs-a2'], 'compartment search');
  t.same(listed((await clinic.get('/?_type=Patient,Observation')).body).sort(), ['Observation/obs-a1', 'Observation/obs-a2', 'Patient/pa'], 'system search');

  const wide = await as('system/*.rs', { organization: 'org-a' });
  t.equal((await wide.get('/Patient/pb/$everything')).status, 404, '$everything of another organization\'s patient');
  const everything = await wide.get('/Patient/pa/$everything?_type=Patient,Observation,DiagnosticReport');
  t.same(listed(everything.body).sort(), ['DiagnosticReport/dr-a', 'Observation/obs-a1', 'Patient/pa']);
});

t.test('read, vread and history of another organization\'s resource answer as for an unknown id', async (t) => {
  const clinic = await as(CLINIC_A, { organization: 'org-a' });
  t.equal((await clinic.get('/Observation/obs-a1')).status, 200);
  for (const [path, code] of [
    ['/Observation/obs-b1', 'FHIR_ERR_NOT_FOUND'], ['/Observation/obs-gone', 'FHIR_ERR_NOT_FOUND'], ['/Patient/pb', 'FHIR_ERR_NOT_FOUND'], ['/Organization/org-b', 'FHIR_ERR_NOT_FOUND'],
    ['/Observation/obs-b1/_history/1', 'FHIR_ERR_VERSION_NOT_FOUND'], ['/Observation/obs-b1/_history', 'FHIR_ERR_NOT_FOUND'],
    ['/Observation/never/_history', 'FHIR_ERR_NOT_FOUND'], ['/Observation/never/_history/1', 'FHIR_ERR_VERSION_NOT_FOUND'],
  ]) {
    const res = await clinic.get(path!);
    t.equal(res.status, 404, path);
    t.equal(codeOf(res.body), code, path);
  }
  t.equal((await admin.get('/Observation/obs-gone')).status, 410, 'the deleted one is there for a token without the claim');
  t.same(listed((await clinic.get('/Observation/obs-a1/_history')).body), ['Observation/obs-a1']);
  const typeHistory = await clinic.get('/Observation/_history');
  t.same(listed(typeHistory.body).sort(), ['Observation/obs-a1', 'Observation/obs-a2'], 'history-type: no version of another organization, no delete of one');
  const wide = await as('system/*.rs', { organization: 'org-a' });
  const systemHistory = listed((await wide.get('/_history?_count=3')).body);
  t.equal(systemHistory.length, 3, 'a full page, the other organization\'s versions skipped');
  const everything = listed((await wide.get('/_history?_count=100')).body);
  t.notOk(everything.some((key) => /org-b|pb|obs-b1|obs-gone/.test(key)), 'history-system: nothing of the other organization');
  t.ok(everything.includes('Practitioner/doc') && everything.includes('Patient/pa'), 'but unlimited types and its own');
});

t.test('a read is judged by the organizations kept beside the index entries, or by the entries of a document stored before them', async (t) => {
  const clinic = await as(CLINIC_A, { organization: 'org-a' });
  const observations = server.store.collection('Observation');
  t.same((await observations.findOne({ _id: 'obs-a1' }))?.organizations, ['Organization/org-a'], 'kept when written');
  t.same((await server.store.collection('Patient').findOne({ _id: 'pb' }))?.organizations, ['Organization/org-b'], 'managingOrganization for a Patient');
  t.equal((await server.store.collection('Practitioner').findOne({ _id: 'doc' }))?.organizations, null, 'null for a type no organization limits');
  await put(obs('obs-legacy-a', 'Patient/pa', 'Organization/org-a'));
  await put(obs('obs-legacy-b', 'Patient/pb', 'Organization/org-b'));
  for (const id of ['obs-legacy-a', 'obs-legacy-b']) await observations.updateOne({ _id: id }, { $unset: { organizations: '' } });
  t.equal((await clinic.get('/Observation/obs-legacy-a')).status, 200, 'its own organization\'s, found in the entries');
  t.equal((await clinic.get('/Observation/obs-legacy-b')).status, 404, 'another organization\'s, found in the entries');
  // a stored field that says otherwise than the entries decides: the read does not unpack the entries
  await observations.updateOne({ _id: 'obs-legacy-a' }, { $set: { organizations: ['Organization/org-b'] } });
  t.equal((await clinic.get('/Observation/obs-legacy-a')).status, 404, 'the kept organizations decide');
});

t.test('writes must stay within the organization; another organization\'s resources are not found', async (t) => {
  const clinic = await as(CLINIC_A, { organization: 'org-a' });
  const mine = obs('new', 'Patient/pa', 'Organization/org-a');
  delete (mine as Partial<Observation>).id;
  t.equal((await clinic.post('/Observation', mine)).status, 201, 'create with its own performer');
  for (const [what, body] of [['another performer', { ...mine, performer: [ref('Organization/org-b')] }], ['no performer', { ...mine, performer: undefined }]] as const) {
    const res = await clinic.post('/Observation', body);
    t.equal(res.status, 403, what);
    t.equal(codeOf(res.body), 'FHIR_ERR_ORGANIZATION_REACH', what);
    t.match(res.body.issue[0].diagnostics, 'Observation.performer must refer to Organization/org-a', what);
    t.match(res.body.issue[0].details.text, 'Observation.performer должен ссылаться на Organization/org-a', what);
  }
  t.equal((await clinic.post('/Patient', { ...patient('Гамма'), managingOrganization: ref('Organization/org-b') })).status, 403, 'Patient.managingOrganization');

  const taken = await clinic.put('/Observation/obs-b1', obs('obs-b1', 'Patient/pb', 'Organization/org-a'));
  t.equal(taken.status, 404, 'update of another organization\'s resource');
  t.equal(codeOf(taken.body), 'FHIR_ERR_NOT_FOUND');
  t.equal((await clinic.put('/Observation/obs-gone', obs('obs-gone', 'Patient/pb', 'Organization/org-a'))).status, 404, 'nor recreated once deleted');
  t.equal((await clinic.put('/Observation/obs-a1', obs('obs-a1', 'Patient/pa', 'Organization/org-b'))).status, 403, 'its own may not be handed over');
  const patch = [{ op: 'replace', path: '/status', value: 'amended' }];
  t.equal((await clinic.patch('/Observation/obs-b1', patch)).status, 404, 'patch');
  t.equal((await clinic.patch('/Observation/obs-a1', [{ op: 'replace', path: '/performer/0/reference', value: 'Organization/org-b' }])).status, 403, 'a patch that hands it over');
  t.equal((await clinic.patch('/Observation/obs-a1', patch)).status, 200);
  t.equal((await clinic.delete('/Observation/obs-b1')).status, 404, 'delete');
  t.equal((await admin.get('/Observation/obs-b1')).body.status, 'final', 'obs-b1 untouched');

  const ifNoneExist = { authorization: `Bearer ${await issuer.token(CLINIC_A, { organization: 'org-a' })}`, 'if-none-exist': 'identifier=urn:test:obs|obs-b1' };
  const conditional = await client(server.base).post('/Observation', { ...mine, identifier: [{ system: 'urn:test:obs', value: 'obs-b1' }] }, { headers: ifNoneExist });
  t.equal(conditional.status, 201, 'If-None-Exist does not match another organization\'s resource');
  t.not(conditional.body.id, 'obs-b1');

  const registry = await as('system/Organization.cru', { organization: 'org-a' });
  t.equal((await registry.put('/Organization/org-a', { resourceType: 'Organization', id: 'org-a', name: 'Поликлиника А' })).status, 200, 'its own Organization');
  t.equal((await registry.put('/Organization/org-b', { resourceType: 'Organization', id: 'org-b', name: 'Б' })).status, 404, 'not another');
  const another = await registry.post('/Organization', { resourceType: 'Organization', name: 'Новая' });
  t.equal(another.status, 403, 'nor a new one');
  t.same(another.body.issue[0].expression, ['Organization.id']);
  const posing = await registry.post('/Organization', { resourceType: 'Organization', id: 'org-a', name: 'Под чужим id' });
  t.equal(posing.status, 403, 'a create is judged by the id it gets, not the id its body names');
});

t.test('transactions and batches: each entry within the organization', async (t) => {
  const clinic = await as(CLINIC_A, { organization: 'org-a' });
  const family = `Транзакция${Date.now()}`;
  const good = { resource: { ...patient(family), managingOrganization: ref('Organization/org-a') }, request: { method: 'POST', url: 'Patient' } };
  const outside = { resource: obs('tx', 'Patient/pa', 'Organization/org-b'), request: { method: 'PUT', url: 'Observation/tx' } };
  const refused = await clinic.post('', { resourceType: 'Bundle', type: 'transaction', entry: [good, outside] });
  t.equal(refused.status, 403);
  t.match(refused.body.issue[0].diagnostics, /^Bundle\.entry\[1\].*Observation\.performer must refer to Organization\/org-a/);
  const deleting = await clinic.post('', { resourceType: 'Bundle', type: 'transaction', entry: [good, { request: { method: 'DELETE', url: 'Observation/obs-b1' } }] });
  t.equal(deleting.status, 404, 'a delete of another organization\'s resource fails the transaction');
  t.same(listed((await admin.get(`/Patient?family=${family}`)).body), [], 'nothing written');

  const batch = await clinic.post('', { resourceType: 'Bundle', type: 'batch', entry: [good, outside, { request: { method: 'GET', url: 'Observation/obs-b1' } }] });
  t.same(batch.body.entry.map((e: { response: { status: string } }) => e.response.status), ['201 Created', '403 Forbidden', '404 Not Found']);
});

t.test('a Subscription of an organization-limited client is kept to its organization', async (t) => {
  const clinic = await as(`${CLINIC_A} system/Subscription.cruds`, { organization: 'org-a' });
  const subscription = (criteria: string) => ({ resourceType: 'Subscription', status: 'requested', reason: 'own results', criteria, channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:9/hook' } });
  for (const criteria of ['Observation?status=final', 'Observation?performer=Organization/org-b', 'Observation?performer=Organization/org-a,Organization/org-b']) {
    const refused = await clinic.post('/Subscription', subscription(criteria));
    t.equal(refused.status, 403, criteria);
    t.equal(codeOf(refused.body), 'FHIR_ERR_SUBSCRIPTION_REACH', criteria);
    t.match(refused.body.issue[0].diagnostics, 'performer=Organization/org-a', criteria);
  }
  t.equal((await clinic.post('/Subscription', subscription('Observation?performer=Organization/org-a&status=final'))).status, 201, 'limited to its organization');
  t.equal((await clinic.post('/Subscription', subscription('Practitioner?name=x'))).status, 201, 'a type the organization does not limit');
});
