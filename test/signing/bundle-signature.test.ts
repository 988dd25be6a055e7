import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle } from 'fhir/r4.js';
import { flattenedVerify, importX509 } from 'jose';
import t from 'tap';
import { signBundle, type SignatureFormat } from '../../src/services/signing/bundle-signature.js';
import { signedContentOf } from '../../src/services/signing/signed-content.js';
import { verifyBundleSignature } from '../../src/services/signing/signature-verification.js';
import { withDamagedSignature } from '../support/damaged-signature.js';
import { testPki, type Identity } from '../support/test-pki.js';

const OPENSSL = '/usr/bin/openssl';
const pki = await testPki();
const anchors = [pki.root.certificate];

function labBundle(): Bundle {
  return {
    resourceType: 'Bundle',
    id: 'lab-1',
    meta: { versionId: '3', lastUpdated: '2026-11-20T10:00:00Z' },
    type: 'collection',
    timestamp: '2026-11-20T10:00:00+03:00',
    entry: [
      { fullUrl: 'urn:uuid:0d1c3e1a-7d2b-4a43-9f3c-5b2f0f2d1c01', resource: { resourceType: 'Patient', id: 'p1', name: [{ family: 'Ёлкина', given: ['Анна'] }], birthDate: '1980-02-29' } },
      {
        fullUrl: 'urn:uuid:0d1c3e1a-7d2b-4a43-9f3c-5b2f0f2d1c02',
        resource: {
          resourceType: 'Observation', id: 'o1', status: 'final', code: { coding: [{ system: 'urn:oid:1.2.643.5.1.13.13.11.1080', code: '1015880' }] },
          subject: { reference: 'urn:uuid:0d1c3e1a-7d2b-4a43-9f3c-5b2f0f2d1c01' }, valueQuantity: { value: 5.25, unit: '10*9/L' },
        },
      },
    ],
  };
}

/** The same JSON with every object's members in reverse order: equal content, other bytes. */
function reordered<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reordered) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([name, item]) => [name, reordered(item)])) as T;
}

const cases: [SignatureFormat, string, Identity][] = [
  ['jws', 'RSA', pki.rsaLeaf],
  ['jws', 'ECDSA P-256', pki.ecLeaf],
  ['cms', 'RSA', pki.rsaLeaf],
  ['cms', 'ECDSA P-256', pki.ecLeaf],
];

for (const [format, keyType, leaf] of cases) {
  t.test(`${format} with ${keyType}`, async (t) => {
    const signed = signBundle(labBundle(), pki.signerFor(leaf), { format });
    t.equal(signed.signature?.sigFormat, format === 'jws' ? 'application/jose' : 'application/pkcs7-signature');
    t.match(signed.signature?.targetFormat, /canonicalization=http:\/\/hl7.org\/fhir\/canonicalization\/json/);

    const verification = verifyBundleSignature(signed, anchors);
    t.equal(verification.valid, true, 'verifies');
    t.same(verification.problems, []);
    t.equal(verification.signer?.serialNumber, leaf.certificate.serialNumber, 'the signer is the leaf');
    t.equal(verification.chain?.status, 'trusted');
    t.equal(verification.chain?.path.length, 3, 'leaf, intermediate, root');

    const asText = JSON.parse(JSON.stringify(reordered(signed))) as Bundle;
    t.not(JSON.stringify(asText), JSON.stringify(signed), 'the reordered JSON differs as text');
    t.equal(verifyBundleSignature(asText, anchors).valid, true, 'a reordered but equal Bundle still verifies');

    const renamed = { ...signed, id: 'other', meta: { versionId: '9' } };
    t.equal(verifyBundleSignature(renamed, anchors).valid, true, 'id and meta are outside the signature');

    const tampered = JSON.parse(JSON.stringify(signed)) as Bundle;
    const observation = tampered.entry![1]!.resource as { valueQuantity: { unit: string } };
    observation.valueQuantity.unit = '10*9/M'; // one byte of one resource
    const found = verifyBundleSignature(tampered, anchors);
    t.equal(found.valid, false);
    t.equal(found.problems[0]?.code, 'FHIR_ERR_SIGNATURE_CONTENT_CHANGED', 'a changed payload is named as such');

    const broken = verifyBundleSignature(withDamagedSignature(signed), anchors);
    t.equal(broken.valid, false);
    t.equal(broken.problems[0]?.code, 'FHIR_ERR_SIGNATURE_INVALID', 'a damaged signature value is named as such');
  });
}

t.test('certificates: expired at signing time, untrusted CA, trust store without the root', async (t) => {
  const expired = signBundle(labBundle(), pki.signerFor(pki.expiredLeaf), { format: 'jws' });
  const late = verifyBundleSignature(expired, anchors);
  t.same(late.problems.map((p) => p.code), ['FHIR_ERR_SIGNATURE_CERTIFICATE_NOT_VALID']);
  t.match(late.problems[0]!.message, /CN=Expired Signer.*not valid at the signing time/);
  t.equal(late.chain?.status, 'trusted', 'the chain itself is trusted');

  const onTime = signBundle(labBundle(), pki.signerFor(pki.expiredLeaf), { format: 'cms', when: new Date(pki.expiredLeaf.certificate.validFrom) });
  t.equal(verifyBundleSignature(onTime, anchors).valid, true, 'valid when signed inside the validity period');

  const stranger = signBundle(labBundle(), pki.signerFor(pki.untrustedLeaf, pki.untrustedRoot), { format: 'cms' });
  const untrusted = verifyBundleSignature(stranger, anchors);
  t.same(untrusted.problems.map((p) => p.code), ['FHIR_ERR_SIGNATURE_UNTRUSTED']);
  t.match(untrusted.problems[0]!.message, /Unknown Root CA/);

  const signed = signBundle(labBundle(), pki.signerFor(pki.rsaLeaf), { format: 'jws' });
  t.same(verifyBundleSignature(signed, [pki.untrustedRoot.certificate]).problems.map((p) => p.code), ['FHIR_ERR_SIGNATURE_UNTRUSTED']);
  t.equal(verifyBundleSignature(signed, [pki.intermediate.certificate]).valid, true, 'an intermediate may be the trust anchor');
});

t.test('signatures that cannot be read', async (t) => {
  const signed = signBundle(labBundle(), pki.signerFor(pki.ecLeaf), { format: 'jws' });
  const codeOf = (bundle: Bundle) => verifyBundleSignature(bundle, anchors).problems.map((p) => [p.code, p.status]);
  t.same(codeOf(labBundle()), [['FHIR_ERR_SIGNATURE_MISSING', 422]]);
  t.same(codeOf({ ...signed, signature: { ...signed.signature!, sigFormat: 'application/signature+xml' } }), [['FHIR_ERR_SIGNATURE_FORMAT_UNSUPPORTED', 400]]);
  t.same(codeOf({ ...signed, signature: { ...signed.signature!, data: '%%%' } }), [['FHIR_ERR_SIGNATURE_MALFORMED', 400]]);
  t.same(codeOf({ ...signed, signature: { ...signed.signature!, data: Buffer.from('not a jws').toString('base64') } }), [['FHIR_ERR_SIGNATURE_MALFORMED', 400]]);
  t.same(codeOf({ ...signed, signature: { ...signed.signature!, sigFormat: 'application/pkcs7-signature' } }), [['FHIR_ERR_SIGNATURE_MALFORMED', 400]]);
  t.same(codeOf({ ...signed, signature: { ...signed.signature!, when: 'yesterday' } }), [['FHIR_ERR_SIGNATURE_MALFORMED', 400]]);
  const attached = Buffer.from(signed.signature!.data!, 'base64').toString().replace('..', '.e30.');
  t.match(verifyBundleSignature({ ...signed, signature: { ...signed.signature!, data: Buffer.from(attached).toString('base64') } }, anchors).problems[0]!.message, /detached payload/);
});

t.test('the JWS verifies with the jose library', async (t) => {
  for (const [alg, leaf] of [['RS256', pki.rsaLeaf], ['ES256', pki.ecLeaf]] as const) {
    const signed = signBundle(labBundle(), pki.signerFor(leaf), { format: 'jws' });
    const [protectedHeader, payload, signature] = Buffer.from(signed.signature!.data!, 'base64').toString().split('.');
    t.equal(payload, '', 'detached');
    const header = JSON.parse(Buffer.from(protectedHeader!, 'base64url').toString()) as { alg: string; x5c: string[] };
    t.equal(header.alg, alg);
    t.equal(header.x5c.length, 2, 'x5c carries the leaf and the intermediate');
    const key = await importX509(`-----BEGIN CERTIFICATE-----\n${header.x5c[0]}\n-----END CERTIFICATE-----`, alg);
    const content = signedContentOf(signed);
    const verified = await flattenedVerify({ protected: protectedHeader, payload: content.toString('base64url'), signature: signature! }, key);
    t.equal(Buffer.from(verified.payload).toString(), content.toString(), `jose verifies the ${alg} signature over the canonical Bundle`);
    const changed = signedContentOf({ ...signed, type: 'document' });
    await t.rejects(flattenedVerify({ protected: protectedHeader, payload: changed.toString('base64url'), signature: signature! }, key), 'jose refuses changed content');
  }
});

t.test('the CMS verifies with openssl cms -verify', { skip: existsSync(OPENSSL) ? false : 'openssl is not installed' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cms-bundle-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'root.pem'), pki.root.certificate.toString());
  for (const leaf of [pki.rsaLeaf, pki.ecLeaf]) {
    const signed = signBundle(labBundle(), pki.signerFor(leaf), { format: 'cms' });
    writeFileSync(join(dir, 'content.json'), signedContentOf(signed));
    writeFileSync(join(dir, 'signature.der'), Buffer.from(signed.signature!.data!, 'base64'));
    const verify = () => execFileSync(OPENSSL, ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'signature.der'), '-content', join(dir, 'content.json'), '-CAfile', join(dir, 'root.pem'), '-purpose', 'any', '-out', '/dev/null'], { stdio: 'pipe' });
    t.doesNotThrow(verify, `openssl verifies the ${leaf.keys.privateKey.asymmetricKeyType} CMS`);
    writeFileSync(join(dir, 'content.json'), signedContentOf({ ...signed, type: 'document' }));
    t.throws(verify, 'openssl refuses changed content');
  }
});

t.test('canonical JSON ignores member order and spacing and keeps values', async (t) => {
  const bundle = labBundle();
  const text = signedContentOf(bundle).toString();
  t.notMatch(text, /"id":"lab-1"|"meta"|"signature"/, 'the Bundle id, meta and signature are left out');
  t.match(text, /"resource":\{"birthDate":"1980-02-29","id":"p1","name"/, 'members sorted, resource ids kept');
  t.match(text, /"value":5.25/);
  t.equal(signedContentOf(reordered(bundle)).toString(), text);
});
