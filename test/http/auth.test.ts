import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { DEFAULT_ISSUER } from '../../src/auth/dev-tokens/options.js';
import { mintDevToken } from '../../src/auth/dev-tokens/mint-command.js';
import { client } from '../support/fhir-client.js';
import { startServer } from '../support/server.js';

const ISSUER = 'urn:test:idp';
const AUDIENCE = 'https://fhir.test.example/fhir';
const keyDir = mkdtempSync(join(tmpdir(), 'auth-'));
t.teardown(() => rmSync(keyDir, { recursive: true, force: true }));
const { privateKey, publicKey } = await generateKeyPair('ES256');
writeFileSync(join(keyDir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] }));

const server = await startServer({ auth: { mode: 'on', jwksFile: join(keyDir, 'jwks.json'), issuer: ISSUER, audience: AUDIENCE, clockSkewSeconds: 60 } });
t.teardown(() => server.close());

async function token(scope: string, claims: Record<string, unknown> = {}, { audience = AUDIENCE, expires = '5m' } = {}): Promise<string> {
  return new SignJWT({ scope, client_id: 'test-client', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(ISSUER).setAudience(audience).setIssuedAt().setExpirationTime(expires)
    .sign(privateKey);
}

function as(bearer: string) {
  const fhir = client(server.base);
  const headers = { authorization: `Bearer ${bearer}` };
  return {
    get: (path: string) => fhir.get(path, { headers }),
    post: (path: string, body: unknown) => fhir.post(path, body, { headers }),
    put: (path: string, body: unknown) => fhir.put(path, body, { headers }),
    delete: (path: string) => fhir.delete(path, { headers }),
  };
}

const LAB = 'system/DiagnosticReport.cru system/Observation.cru system/Patient.rs system/Organization.rs';
const report = { resourceType: 'DiagnosticReport', status: 'final', code: { text: 'ОАК' } };

t.test('no token, a bad token: 401 with a Bearer challenge; the CapabilityStatement stays public', async (t) => {
  const anonymous = client(server.base);
  const none = await anonymous.get('/Patient');
  t.equal(none.status, 401);
  t.equal(none.headers.get('www-authenticate'), 'Bearer realm="fhir"');
  t.equal(none.body.issue[0].code, 'login');
  t.equal(none.body.issue[0].details.coding[0].code, 'FHIR_ERR_UNAUTHENTICATED');
  t.ok(none.headers.get('x-request-id'), 'a refused request carries its request id');
  for (const [what, bearer, reason] of [
    ['expired', await token(LAB, {}, { expires: new Date(Date.now() - 3_600_000) as unknown as string }), 'expired'],
    ['for another audience', await token(LAB, {}, { audience: 'https://elsewhere.example/fhir' }), 'wrong audience'],
    ['not a JWT', 'abc.def', 'malformed'],
  ] as const) {
    const answer = await as(bearer).get('/Patient');
    t.equal(answer.status, 401, what);
    t.match(answer.headers.get('www-authenticate'), `error="invalid_token", error_description="${reason}"`, what);
    t.notMatch(answer.text, bearer.slice(20, 60), 'the token is not echoed');
  }
  t.equal((await anonymous.get('/metadata')).status, 200);
});

t.test('scopes decide the interactions on each type; a 403 names the scope that would do', async (t) => {
  const lab = as(await token(LAB));
  const created = await lab.post('/DiagnosticReport', report);
  t.equal(created.status, 201, 'create with .c');
  t.equal((await lab.get(`/DiagnosticReport/${created.body.id}`)).status, 200, 'read with .r');
  t.equal((await lab.put(`/DiagnosticReport/${created.body.id}`, { ...report, id: created.body.id, status: 'amended' })).status, 200, 'update with .u');
  const deleted = await lab.delete(`/DiagnosticReport/${created.body.id}`);
  t.equal(deleted.status, 403, 'no .d');
  t.equal(deleted.body.issue[0].code, 'forbidden');
  t.match(deleted.body.issue[0].diagnostics, 'system/DiagnosticReport.d or user/DiagnosticReport.d or patient/DiagnosticReport.d');
  t.equal((await lab.get('/DiagnosticReport')).status, 403, 'no .s on DiagnosticReport');
  t.equal((await lab.get('/Patient?name=x')).status, 200, 'search with .s');
  t.equal((await lab.get('/Consent?status=active')).status, 403, 'no scope on Consent');
  t.equal((await lab.get('/_history')).status, 403, 'system history needs every type');
  t.equal((await lab.get('/?_type=Patient,Consent')).status, 403, 'a system search needs each of its types');

  const auditor = as(await token('system/AuditEvent.rs'));
  t.equal((await auditor.get('/Patient')).status, 403, 'an auditor does not read clinical content');
  const v1 = as(await token('user/Patient.read user/Patient.write'));
  t.equal((await v1.post('/Patient', { resourceType: 'Patient' })).status, 201, 'SMART v1 .write');
});

t.test('transactions and batches: each entry is checked as the interaction it is', async (t) => {
  const lab = as(await token(LAB));
  const family = `Транзакционный${Date.now()}`;
  const transaction = {
    resourceType: 'Bundle', type: 'transaction', entry: [
      { fullUrl: 'urn:uuid:3b1c2d4e-5f60-4718-9a2b-3c4d5e6f7a8b', resource: { resourceType: 'Observation', status: 'final', code: { text: 'Hb' } }, request: { method: 'POST', url: 'Observation' } },
      { fullUrl: 'urn:uuid:4c2d3e5f-6071-4829-8b3c-4d5e6f7a8b9c', resource: { resourceType: 'Patient', name: [{ family }] }, request: { method: 'POST', url: 'Patient' } },
    ],
  };
  const refused = await lab.post('', transaction);
  t.equal(refused.status, 403, 'the lab may not create Patients');
  t.match(refused.body.issue[0].diagnostics, /^Bundle\.entry\[1\].*create on Patient/);
  const open = as(await token('system/*.cruds'));
  t.equal((await open.get(`/Patient?family=${family}`)).body.total ?? (await open.get(`/Patient?family=${family}`)).body.entry?.length ?? 0, 0, 'nothing written');

  const batch = await lab.post('', { ...transaction, type: 'batch' });
  t.equal(batch.status, 200);
  t.same(batch.body.entry.map((e: { response: { status: string } }) => e.response.status), ['201 Created', '403 Forbidden'], 'one entry refused, the other done');
  const read = await lab.post('', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Consent' } }] });
  t.equal(read.body.entry[0].response.status, '403 Forbidden', 'read entries too');
});

t.test('without an issuer configured the server trusts its development key set', async (t) => {
  const development = await startServer({ auth: { ...loadConfig({}).auth, mode: 'on', audience: AUDIENCE } });
  t.teardown(() => development.close());
  const dir = join(development.dataDir, 'auth');
  const minted = (await mintDevToken({ role: 'lab', organization: 'lab1', client: 'dev-lab', ttlSeconds: 300, dir, issuer: DEFAULT_ISSUER, audience: AUDIENCE })).trim();
  const fhir = client(development.base);
  t.equal((await fhir.get('/Patient')).status, 401);
  t.equal((await fhir.get('/Patient', { headers: { authorization: `Bearer ${minted}` } })).status, 200, 'a token minted with npm run token is accepted');
  t.equal((await fhir.get('/Patient', { headers: { authorization: `Bearer ${await token(LAB)}` } })).status, 401, 'another issuer\'s token is not');
});

t.test('a patient-context token reaches only its patient and that compartment', async (t) => {
  const admin = as(await token('system/*.cruds'));
  await admin.put('/Patient/mine', { resourceType: 'Patient', id: 'mine' });
  await admin.put('/Patient/other', { resourceType: 'Patient', id: 'other' });
  const mineObservation = await admin.post('/Observation', { resourceType: 'Observation', status: 'final', code: { text: 'Hb' }, subject: { reference: 'Patient/mine' } });
  const otherObservation = await admin.post('/Observation', { resourceType: 'Observation', status: 'final', code: { text: 'Hb' }, subject: { reference: 'Patient/other' } });
  const cabinet = as(await token('patient/*.rs patient/Subscription.cruds', { patient: 'mine' }));

  t.equal((await cabinet.get('/Patient/mine')).status, 200, 'its own Patient');
  const compartment = await cabinet.get('/Patient/mine/Observation');
  t.equal(compartment.status, 200, 'its compartment');
  t.same(compartment.body.entry.map((e: { resource: { id: string } }) => e.resource.id), [mineObservation.body.id]);
  t.equal((await cabinet.get('/Patient/mine/$everything')).status, 200);
  for (const path of ['/Patient/other', '/Patient/other/Observation', `/Observation/${otherObservation.body.id}`, `/Observation/${mineObservation.body.id}`, '/Observation', '/Patient', '/Patient/mine/Observation?_include=Observation:subject', '/Patient/other/$everything']) {
    const answer = await cabinet.get(path);
    t.equal(answer.status, 403, path);
    t.equal(answer.body.issue[0].details.coding[0].code, 'FHIR_ERR_PATIENT_CONTEXT', path);
  }
  const subscription = { resourceType: 'Subscription', status: 'requested', reason: 'cabinet', channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:9/hook' } };
  t.equal((await cabinet.post('/Subscription', { ...subscription, criteria: 'DiagnosticReport?patient=Patient/mine' })).status, 201, 'subscribes to its own results');
  t.equal((await cabinet.post('/Subscription', { ...subscription, criteria: 'DiagnosticReport?patient=Patient/other' })).status, 403, 'not to another patient');
  t.equal((await cabinet.post('/Subscription', { ...subscription, criteria: 'DiagnosticReport?status=final' })).status, 403, 'nor to everyone');
  const noClaim = as(await token('patient/*.rs'));
  t.equal((await noClaim.get('/Patient/mine')).status, 403, 'a patient scope without a patient claim reaches nothing');
});

t.test("the signature policy names clients by the token's client id, not by a header", async (t) => {
  const strict = await startServer({
    auth: { mode: 'on', jwksFile: join(keyDir, 'jwks.json'), issuer: ISSUER, audience: AUDIENCE, clockSkewSeconds: 60 },
    signing: { ...loadConfig({}).signing, requiredForClients: ['lis-7'] },
  });
  t.teardown(() => strict.close());
  const fhir = client(strict.base);
  const batch = { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Patient' } }] };
  const asLis = { authorization: `Bearer ${await token(LAB, { client_id: 'lis-7' })}` };
  const refused = await fhir.post('', batch, { headers: asLis });
  t.equal(refused.status, 422, 'the token says lis-7, which must sign');
  t.equal(refused.body.issue[0].details.coding[0].code, 'FHIR_ERR_SIGNATURE_REQUIRED');
  const other = { authorization: `Bearer ${await token(LAB, { client_id: 'lis-8' })}`, 'x-client-id': 'lis-7' };
  t.equal((await fhir.post('', batch, { headers: other })).status, 200, 'a header cannot make lis-8 into lis-7');
});
