import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, BundleEntry, Parameters, Provenance } from 'fhir/r4.js';
import { flattenedVerify, importX509 } from 'jose';
import t from 'tap';
import { loadConfig, type SigningSettings } from '../../src/config.js';
import { signBundle, type SignatureFormat } from '../../src/services/signing/bundle-signature.js';
import { signedContentOf } from '../../src/services/signing/signed-content.js';
import { client } from '../support/fhir-client.js';
import { startServer } from '../support/server.js';
import { withDamagedSignature } from '../support/damaged-signature.js';
import { testPki, type Identity } from '../support/test-pki.js';

const pki = await testPki();
const pkiDir = mkdtempSync(join(tmpdir(), 'trust-'));
writeFileSync(join(pkiDir, 'root.pem'), pki.root.certificate.toString());
t.teardown(() => rmSync(pkiDir, { recursive: true, force: true }));

function signingSettings(extra: Partial<SigningSettings> = {}): SigningSettings {
  return { ...loadConfig({}).signing, trustStore: [join(pkiDir, 'root.pem')], ...extra };
}

const server = await startServer({ signing: signingSettings() });
t.teardown(() => server.close());
const fhir = client(server.base);

function patientEntry(family: string): BundleEntry {
  return { fullUrl: `urn:uuid:${crypto.randomUUID()}`, resource: { resourceType: 'Patient', name: [{ family }] }, request: { method: 'POST', url: 'Patient' } };
}

function transaction(type: 'transaction' | 'batch', ...families: string[]): Bundle {
  return { resourceType: 'Bundle', type, entry: families.map(patientEntry) };
}

function signed(bundle: Bundle, leaf: Identity, format: SignatureFormat, issuer?: Identity): Bundle {
  return signBundle(bundle, pki.signerFor(leaf, issuer), { format, who: { reference: 'Organization/lab-1' } });
}

async function patientsNamed(family: string): Promise<number> {
  return (await fhir.get(`/Patient?family:exact=${encodeURIComponent(family)}&_total=accurate`)).body.total;
}

async function provenanceOf(reference: string): Promise<Provenance[]> {
  const found = await fhir.get(`/Provenance?target=${encodeURIComponent(reference)}`);
  return (found.body.entry ?? []).map((entry: BundleEntry) => entry.resource as Provenance);
}

function reportValue(report: Parameters, name: string): unknown {
  const parameter = report.parameter?.find((p) => p.name === name);
  return parameter?.valueBoolean ?? parameter?.valueCode ?? parameter?.valueString;
}

t.test('signed transactions and batches are written, and their signer is recorded', async (t) => {
  const tx = await fhir.post('', signed(transaction('transaction', 'Подписанова'), pki.ecLeaf, 'jws'));
  t.equal(tx.status, 200, tx.text.slice(0, 300));
  const location: string = tx.body.entry[0].response.location;
  const [provenance] = await provenanceOf(location.replace(/^.*\/fhir\//, ''));
  t.ok(provenance, 'a Provenance targets the written version');
  t.equal(provenance?.agent[0]?.who.reference, 'Organization/lab-1', 'the agent is Signature.who');
  t.equal(provenance?.signature?.[0]?.sigFormat, 'application/jose', 'it keeps the signature');

  const batch = await fhir.post('', signed(transaction('batch', 'Пакетова', 'Пакетова'), pki.rsaLeaf, 'cms'));
  t.equal(batch.status, 200);
  t.same(batch.body.entry.map((e: BundleEntry) => e.response?.status), ['201 Created', '201 Created']);
  const targets = (await provenanceOf(batch.body.entry[1].response.location.replace(/^.*\/fhir\//, '')))[0]?.target;
  t.equal(targets?.length, 2, 'one Provenance for the batch, targeting both writes');
});

t.test('a signed document Bundle is verified before it is stored', async (t) => {
  const document: Bundle = { resourceType: 'Bundle', type: 'collection', timestamp: '2026-11-20T10:00:00Z', entry: [{ fullUrl: 'urn:uuid:6b5e3f0e-3c5d-4c0c-8d7e-1a2b3c4d5e6f', resource: { resourceType: 'Patient', name: [{ family: 'Документова' }] } }] };
  const created = await fhir.post('/Bundle', signed(document, pki.rsaLeaf, 'cms'));
  t.equal(created.status, 201, created.text.slice(0, 300));
  t.equal((await provenanceOf(`Bundle/${created.body.id}/_history/1`)).length, 1, 'the signer of the stored Bundle is recorded');
  const stored = await fhir.get(`/Bundle/${created.body.id}/$verify`);
  t.equal(reportValue(stored.body, 'valid'), true, 'the stored signature still verifies: id and meta are outside it');

  const tampered = signed(document, pki.rsaLeaf, 'jws');
  (tampered.entry![0]!.resource as { name: { family: string }[] }).name[0]!.family = 'Документов';
  const refused = await fhir.put('/Bundle/tampered-doc', { ...tampered, id: 'tampered-doc' });
  t.equal(refused.status, 422);
  t.equal(refused.body.issue[0].details.coding[0].code, 'FHIR_ERR_SIGNATURE_CONTENT_CHANGED');
  t.equal((await fhir.get('/Bundle/tampered-doc')).status, 404, 'nothing stored');

  const patched = await fhir.patch(`/Bundle/${created.body.id}`, [{ op: 'replace', path: '/entry/0/resource/name/0/family', value: 'Другая' }]);
  t.equal(patched.status, 422, 'a patch that breaks the signature is refused');
  t.equal(patched.body.issue[0].details.coding[0].code, 'FHIR_ERR_SIGNATURE_CONTENT_CHANGED');
  t.equal((await fhir.get(`/Bundle/${created.body.id}`)).body.meta.versionId, '1', 'the stored Bundle is unchanged');

  const nested = await fhir.post('', { resourceType: 'Bundle', type: 'transaction', entry: [
    patientEntry('Вложенова'),
    { fullUrl: 'urn:uuid:2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d', resource: tampered, request: { method: 'POST', url: 'Bundle' } },
  ] });
  t.equal(nested.status, 422, 'a signed Bundle inside a transaction is verified too');
  t.match(nested.body.issue[0].diagnostics, /^Bundle\.entry\[1\].*changed after it was signed/);
  t.equal(await patientsNamed('Вложенова'), 0, 'and the transaction wrote nothing');
});

/** Each bad signature, made for a transaction or a batch (the type is inside what is signed). */
function badSignatures(type: 'transaction' | 'batch', family: string): [string, Bundle, number, string, RegExp][] {
  const good = signed(transaction(type, family), pki.ecLeaf, 'jws');
  const changed = structuredClone(good);
  (changed.entry![0]!.resource as { name: { family: string }[] }).name[0]!.family = `${family}a`;
  const damaged = withDamagedSignature(good);
  return [
    ['content changed after signing', changed, 422, 'FHIR_ERR_SIGNATURE_CONTENT_CHANGED', /changed after it was signed/],
    ['damaged signature value', damaged, 422, 'FHIR_ERR_SIGNATURE_INVALID', /does not verify/],
    ['untrusted CA', signed(transaction(type, family), pki.untrustedLeaf, 'cms', pki.untrustedRoot), 422, 'FHIR_ERR_SIGNATURE_UNTRUSTED', /not trusted.*Unknown Root CA/],
    ['certificate expired at signing time', signed(transaction(type, family), pki.expiredLeaf, 'jws'), 422, 'FHIR_ERR_SIGNATURE_CERTIFICATE_NOT_VALID', /Expired Signer.*not valid at the signing time/],
    ['unreadable signature', { ...good, signature: { ...good.signature!, data: Buffer.from('garbage').toString('base64') } }, 400, 'FHIR_ERR_SIGNATURE_MALFORMED', /cannot be read/],
    ['unknown format', { ...good, signature: { ...good.signature!, sigFormat: 'application/signature+xml' } }, 400, 'FHIR_ERR_SIGNATURE_FORMAT_UNSUPPORTED', /not supported/],
  ];
}

t.test('every bad signature is refused with its own OperationOutcome and nothing is written', async (t) => {
  const family = 'Отказова';
  for (const type of ['transaction', 'batch'] as const) {
    for (const [what, bundle, status, code, message] of badSignatures(type, family)) {
      const answer = await fhir.post('', bundle);
      t.equal(answer.status, status, `${what} (${type}): status`);
      t.equal(answer.body.resourceType, 'OperationOutcome');
      t.equal(answer.body.issue[0].details.coding[0].code, code, `${what} (${type}): says which`);
      t.match(answer.body.issue[0].diagnostics, message);
    }
  }
  t.equal(await patientsNamed(family), 0, 'no refused Bundle wrote anything');
  t.equal(await patientsNamed(`${family}a`), 0);
});

t.test('the server signs on request: $sign, and _signed=true on reads, searches and history', async (t) => {
  const stored = await fhir.post('/Bundle', { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:9f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b', resource: { resourceType: 'Patient', name: [{ family: 'Серверова' }] } }] });
  t.equal(stored.status, 201);
  const id = stored.body.id as string;
  for (const [path, format] of [[`/Bundle/${id}/$sign`, 'application/jose'], [`/Bundle/${id}/$sign?format=cms`, 'application/pkcs7-signature'], [`/Bundle/${id}?_signed=true`, 'application/jose'], [`/Patient?_signed=true&_signatureFormat=cms`, 'application/pkcs7-signature'], ['/Patient/_history?_signed=true&_count=2', 'application/jose']] as const) {
    const answer = await fhir.get(path);
    t.equal(answer.status, 200, path);
    t.equal(answer.body.signature?.sigFormat, format, `${path}: signed as ${format}`);
    const report = await fhir.post('/Bundle/$verify', answer.body);
    t.equal(reportValue(report.body, 'valid'), true, `${path}: the server's signature verifies`);
    t.equal(reportValue(report.body, 'chainStatus'), 'trusted');
  }
  const posted = await fhir.post(`/Bundle/${id}/$sign`, { resourceType: 'Parameters', parameter: [{ name: 'format', valueCode: 'cms' }] });
  t.equal(posted.body.signature.sigFormat, 'application/pkcs7-signature', 'POST $sign takes format from Parameters');

  const signedSearch = (await fhir.get('/Patient?_signed=true')).body as Bundle;
  const [header, , signature] = Buffer.from(signedSearch.signature!.data!, 'base64').toString().split('.');
  const { x5c, alg } = JSON.parse(Buffer.from(header!, 'base64url').toString()) as { x5c: string[]; alg: string };
  const key = await importX509(`-----BEGIN CERTIFICATE-----\n${x5c[0]}\n-----END CERTIFICATE-----`, alg);
  await t.resolves(flattenedVerify({ protected: header!, payload: signedSearch && signedContentOf(signedSearch).toString('base64url'), signature: signature! }, key), 'jose verifies the signed search');
});

t.test('signing requests that cannot be met', async (t) => {
  const own = await fhir.post('/Bundle', signed({ resourceType: 'Bundle', type: 'collection' }, pki.ecLeaf, 'jws'));
  t.equal(own.status, 201);
  const twice = await fhir.get(`/Bundle/${own.body.id}/$sign`);
  t.equal(twice.status, 409, 'a Bundle already signed is not signed again');
  t.equal(twice.body.issue[0].details.coding[0].code, 'FHIR_ERR_ALREADY_SIGNED');
  t.equal((await fhir.get(`/Bundle/${own.body.id}?_signed=true`)).status, 409);
  const patient = await fhir.post('/Patient', { resourceType: 'Patient' });
  const notBundle = await fhir.get(`/Patient/${patient.body.id}?_signed=true`);
  t.equal(notBundle.status, 400);
  t.equal(notBundle.body.issue[0].details.coding[0].code, 'FHIR_ERR_SIGNED_NOT_BUNDLE');
  t.equal((await fhir.get('/Patient?_signed=perhaps')).status, 400);
  t.equal((await fhir.get(`/Patient/${patient.body.id}/$sign`)).status, 404, '$sign is a Bundle operation');
  t.equal((await fhir.get(`/Bundle/${own.body.id}/$sign?format=xml`)).status, 400);
  t.equal((await fhir.get('/Bundle/unknown-bundle/$sign')).status, 404);
});

t.test('$verify reports each problem and the certificate it found', async (t) => {
  const good = signed(transaction('transaction', 'Проверкина'), pki.rsaLeaf, 'cms');
  const report = (await fhir.post('/Bundle/$verify', { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: good }] })).body as Parameters;
  t.equal(reportValue(report, 'valid'), true);
  t.same(report.parameter?.filter((p) => p.name === 'chain').map((p) => p.valueString), [
    'CN=Лаборатория №1, O=ГБУЗ Тестовая больница, C=RU', 'CN=Test Issuing CA, O=Test Ministry, C=RU', 'CN=Test Root CA, O=Test Ministry, C=RU',
  ]);
  const signer = report.parameter?.find((p) => p.name === 'signer')?.part ?? [];
  t.equal(signer.find((p) => p.name === 'serialNumber')?.valueString, pki.rsaLeaf.certificate.serialNumber);

  const expired = (await fhir.post('/Bundle/$verify', signed(transaction('transaction', 'x'), pki.expiredLeaf, 'jws'))).body as Parameters;
  t.equal(reportValue(expired, 'valid'), false);
  t.equal(reportValue(expired, 'validAtSigningTime'), false);
  t.equal(reportValue(expired, 'chainStatus'), 'trusted');
  const unsigned = await fhir.post('/Bundle/$verify', transaction('batch', 'y'));
  t.equal(unsigned.status, 200);
  t.equal(reportValue(unsigned.body, 'valid'), false);
  t.equal(unsigned.body.parameter.at(-1).resource.issue[0].details.coding[0].code, 'FHIR_ERR_SIGNATURE_MISSING');
  t.equal((await fhir.post('/Patient/$verify', transaction('batch', 'y'))).status, 404);
});

t.test('the signature policy requires signatures by Bundle type and by client', async (t) => {
  const strict = await startServer({ signing: signingSettings({ requiredForTypes: ['transaction'], requiredForClients: ['lis-7'] }) });
  t.teardown(() => strict.close());
  const strictFhir = client(strict.base);
  const unsigned = await strictFhir.post('', transaction('transaction', 'Политикова'));
  t.equal(unsigned.status, 422);
  t.equal(unsigned.body.issue[0].details.coding[0].code, 'FHIR_ERR_SIGNATURE_REQUIRED');
  t.equal((await strictFhir.post('', transaction('batch', 'Политикова'))).status, 200, 'an unsigned batch from another client is fine');
  const fromLis = await strictFhir.post('', transaction('batch', 'Политикова'), { headers: { 'x-client-id': 'lis-7' } });
  t.equal(fromLis.status, 422, 'client lis-7 must sign');
  t.match(fromLis.body.issue[0].diagnostics, /from client lis-7/);
  const signedFromLis = await strictFhir.post('', signed(transaction('batch', 'Политикова'), pki.ecLeaf, 'cms'), { headers: { 'x-client-id': 'lis-7' } });
  t.equal(signedFromLis.status, 200);
  t.equal((await strictFhir.post('', signed(transaction('transaction', 'Политикова'), pki.rsaLeaf, 'jws'))).status, 200);
});

const OPENSSL = '/usr/bin/openssl';

t.test('a server signing with a PKCS#12 key: OpenSSL verifies its CMS, up to the trusted root', { skip: existsSync(OPENSSL) ? false : 'openssl is not installed' }, async (t) => {
  const file = (name: string) => join(pkiDir, name);
  writeFileSync(file('leaf.pem'), pki.rsaLeaf.certificate.toString());
  writeFileSync(file('intermediate.pem'), pki.intermediate.certificate.toString());
  writeFileSync(file('key.pem'), pki.rsaLeaf.keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  execFileSync(OPENSSL, ['pkcs12', '-export', '-inkey', file('key.pem'), '-in', file('leaf.pem'), '-certfile', file('intermediate.pem'), '-passout', 'pass:s3cret', '-out', file('signer.p12')], { stdio: 'pipe' });
  const configured = await startServer({ signing: signingSettings({ p12File: file('signer.p12'), password: 's3cret', format: 'cms' }) });
  t.teardown(() => configured.close());
  const configuredFhir = client(configured.base);

  const stored = await configuredFhir.post('/Bundle', { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', resource: { resourceType: 'Patient', name: [{ family: 'Оупенссл' }] } }] });
  const signedBundle = (await configuredFhir.get(`/Bundle/${stored.body.id}/$sign`)).body as Bundle;
  t.equal(signedBundle.signature?.sigFormat, 'application/pkcs7-signature', 'SIGNATURE_FORMAT=cms is the default');
  const report = (await configuredFhir.post('/Bundle/$verify', signedBundle)).body as Parameters;
  const signer = report.parameter?.find((p) => p.name === 'signer')?.part ?? [];
  t.equal(signer.find((p) => p.name === 'serialNumber')?.valueString, pki.rsaLeaf.certificate.serialNumber, 'signed with the PKCS#12 key');

  writeFileSync(file('content.json'), signedContentOf(signedBundle));
  writeFileSync(file('signature.der'), Buffer.from(signedBundle.signature!.data!, 'base64'));
  const verify = () => execFileSync(OPENSSL, ['cms', '-verify', '-binary', '-inform', 'DER', '-in', file('signature.der'), '-content', file('content.json'), '-CAfile', file('root.pem'), '-purpose', 'any', '-out', '/dev/null'], { stdio: 'pipe' });
  t.doesNotThrow(verify, 'openssl cms -verify accepts the server-made signature');
  writeFileSync(file('content.json'), signedContentOf({ ...signedBundle, timestamp: '2020-01-01T00:00:00Z' }));
  t.throws(verify, 'and refuses it over other content');
});
