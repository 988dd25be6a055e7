/**
 * Detached CMS SignedData against OpenSSL, both ways: ours verifies with `openssl cms -verify`,
 * and OpenSSL's parses and checks with ours. Real keys and certificates from the test PKI.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { CmsFormatError, checkDetachedCms, createDetachedCms, parseDetachedCms } from '../../src/services/signing/cms-signed-data.js';
import { ES256, RS256 } from '../../src/services/signing/signature-algorithms.js';
import { testPki, type Identity } from '../support/test-pki.js';

const OPENSSL = '/usr/bin/openssl';
const hasOpenssl = existsSync(OPENSSL);
const NO_OPENSSL = `${OPENSSL} is missing`;

const pki = await testPki();
const content = Buffer.from('{"resourceType":"Bundle","type":"document","id":"подписанный"}');
const signingTime = new Date('2025-03-04T05:06:07Z');
const leaves = { rsa: { leaf: pki.rsaLeaf, algorithm: RS256 }, ec: { leaf: pki.ecLeaf, algorithm: ES256 } };

const workDir = mkdtempSync(join(tmpdir(), 'fhir-cms-'));
t.teardown(() => rmSync(workDir, { recursive: true, force: true }));
writeFileSync(join(workDir, 'content.bin'), content);
writeFileSync(join(workDir, 'root.pem'), pki.root.certificate.toString());
writeFileSync(join(workDir, 'intermediate.pem'), pki.intermediate.certificate.toString());

function openssl(args: string[]): void {
  execFileSync(OPENSSL, args, { cwd: workDir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function writeIdentity(name: string, identity: Identity): string[] {
  writeFileSync(join(workDir, `${name}.pem`), identity.certificate.toString());
  writeFileSync(join(workDir, `${name}-key.pem`), identity.keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return ['-signer', `${name}.pem`, '-inkey', `${name}-key.pem`];
}

/** A CMS made by `openssl cms -sign` over content.bin with the intermediate included; detached unless told. */
function opensslSigned(name: string, identity: Identity, extra: string[] = []): Buffer {
  const out = `${name}-${extra.join('')}.der`;
  openssl(['cms', '-sign', '-binary', '-outform', 'DER', '-md', 'sha256', ...writeIdentity(name, identity),
    '-certfile', 'intermediate.pem', '-in', 'content.bin', '-out', out, ...extra]);
  return readFileSync(join(workDir, out));
}

function opensslVerifies(cms: Buffer, signedContent: Buffer): boolean {
  writeFileSync(join(workDir, 'ours.der'), cms);
  writeFileSync(join(workDir, 'ours-content.bin'), signedContent);
  try {
    openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'ours.der', '-content', 'ours-content.bin',
      '-CAfile', 'root.pem', '-purpose', 'any', '-out', '/dev/null']);
    return true;
  } catch {
    return false;
  }
}

const flipped = (bytes: Buffer, at: number) => {
  const copy = Buffer.from(bytes);
  copy[at] ^= 0x01;
  return copy;
};

for (const [kind, { leaf, algorithm }] of Object.entries(leaves)) {
  t.test(`our ${kind} CMS`, async (t) => {
    const cms = createDetachedCms(content, pki.signerFor(leaf), signingTime);

    t.test('verifies with OpenSSL up to the root, the intermediate taken from the CMS', { skip: hasOpenssl ? false : NO_OPENSSL }, async (t) => {
      t.ok(opensslVerifies(cms, content), 'openssl cms -verify accepts it');
      t.notOk(opensslVerifies(cms, flipped(content, 3)), 'and refuses it for other content');
    });

    t.test('names the signature algorithm as RFC 5754/4055 say', async (t) => {
      const withNull = Buffer.from('300d06092a864886f70d01010b0500', 'hex');
      const ecdsaWithSha256 = Buffer.from('300a06082a8648ce3d040302', 'hex');
      if (kind === 'rsa') t.ok(cms.includes(withNull), 'sha256WithRSAEncryption with NULL parameters');
      else t.ok(cms.includes(ecdsaWithSha256), 'ecdsa-with-SHA256 without parameters');
    });

    t.test('parses back: certificates, the signer, the time and the algorithm', async (t) => {
      const parsed = parseDetachedCms(cms);
      t.same(parsed.certificates.map((c) => c.fingerprint256).sort(), [leaf.certificate, pki.intermediate.certificate].map((c) => c.fingerprint256).sort());
      t.equal(parsed.signerCertificate?.fingerprint256, leaf.certificate.fingerprint256, 'the signer found by issuer and serial number');
      t.equal(parsed.algorithm, algorithm);
      t.equal(parsed.signatureOid, algorithm.signatureOid);
      t.equal(parsed.signingTime?.toISOString(), signingTime.toISOString());
      t.same(checkDetachedCms(parsed, content), { contentMatches: true, signatureValid: true });
    });

    t.test('a changed byte of content or signature is caught', async (t) => {
      const parsed = parseDetachedCms(cms);
      t.same(checkDetachedCms(parsed, flipped(content, 0)), { contentMatches: false, signatureValid: true });
      const badSignature = { ...parsed, signature: flipped(parsed.signature, parsed.signature.length - 5) };
      t.same(checkDetachedCms(badSignature, content), { contentMatches: true, signatureValid: false });
      const otherAttributes = { ...parsed, signedAttributes: flipped(parsed.signedAttributes, parsed.signedAttributes.length - 1) };
      t.equal(checkDetachedCms(otherAttributes, content).signatureValid, false, 'the signature covers the signed attributes');
    });
  });

  t.test(`an OpenSSL ${kind} CMS parses and checks`, { skip: hasOpenssl ? false : NO_OPENSSL }, async (t) => {
    const parsed = parseDetachedCms(opensslSigned(kind, leaf));
    t.equal(parsed.signerCertificate?.fingerprint256, leaf.certificate.fingerprint256);
    t.equal(parsed.algorithm, algorithm, 'OpenSSL names RSA by rsaEncryption, which is RS256 for an RSA key');
    t.equal(parsed.certificates.length, 2);
    t.ok(parsed.signingTime && Math.abs(parsed.signingTime.getTime() - Date.now()) < 120_000, 'OpenSSL stamps the current time');
    t.same(checkDetachedCms(parsed, content), { contentMatches: true, signatureValid: true });
    t.same(checkDetachedCms(parsed, flipped(content, content.length - 1)), { contentMatches: false, signatureValid: true });
  });
}

t.test('an OpenSSL CMS naming its signer by subjectKeyIdentifier (-keyid)', { skip: hasOpenssl ? false : NO_OPENSSL }, async (t) => {
  const parsed = parseDetachedCms(opensslSigned('ec', pki.ecLeaf, ['-keyid']));
  t.equal(parsed.signerCertificate?.fingerprint256, pki.ecLeaf.certificate.fingerprint256);
  t.same(checkDetachedCms(parsed, content), { contentMatches: true, signatureValid: true });
});

t.test('an OpenSSL CMS without certificates (-nocerts) parses, and its signature cannot be checked', { skip: hasOpenssl ? false : NO_OPENSSL }, async (t) => {
  const parsed = parseDetachedCms(opensslSigned('ec', pki.ecLeaf, ['-nocerts']));
  t.same(parsed.certificates.map((c) => c.fingerprint256), [pki.intermediate.certificate.fingerprint256], 'only the -certfile one');
  t.equal(parsed.signerCertificate, undefined);
  t.equal(parsed.algorithm, undefined);
  t.same(checkDetachedCms(parsed, content), { contentMatches: true, signatureValid: false });
});

function refuses(t: Test, bytes: Uint8Array, message: RegExp, what: string): void {
  t.throws(() => parseDetachedCms(bytes), { name: 'CmsFormatError', message }, what);
  try {
    parseDetachedCms(bytes);
  } catch (error) {
    t.ok(error instanceof CmsFormatError, `${what}: a CmsFormatError`);
  }
}

t.test('what is not a detached CMS SignedData is refused with a reason', async (t) => {
  const ours = createDetachedCms(content, pki.signerFor(pki.rsaLeaf), signingTime);
  refuses(t, Buffer.from('this is not a signature at all'), /not DER/, 'text');
  refuses(t, Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]), /ContentInfo/, 'a SEQUENCE of an INTEGER');
  refuses(t, ours.subarray(0, ours.length - 40), /not DER/, 'a truncated CMS');
  refuses(t, Buffer.concat([ours, Buffer.from([0])]), /not DER/, 'a CMS with a trailing byte');
  const pem = `-----BEGIN CMS-----\n${ours.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CMS-----\n`;
  refuses(t, Buffer.from(pem), /PEM/, 'a PEM string');
  refuses(t, pki.rsaLeaf.certificate.raw, /ContentInfo.contentType/, 'a certificate');
});

t.test('OpenSSL structures that are not one detached signature are refused', { skip: hasOpenssl ? false : NO_OPENSSL }, async (t) => {
  refuses(t, opensslSigned('rsa', pki.rsaLeaf, ['-nodetach']), /not detached/, 'a CMS carrying its content');
  refuses(t, opensslSigned('rsa', pki.rsaLeaf, ['-noattr']), /no signed attributes/, 'a CMS without signed attributes');
  const second = writeIdentity('second', pki.ecLeaf);
  refuses(t, opensslSigned('rsa', pki.rsaLeaf, second), /2 SignerInfos/, 'two signers');
  openssl(['crl2pkcs7', '-nocrl', '-certfile', 'intermediate.pem', '-outform', 'DER', '-out', 'certs-only.der']);
  refuses(t, readFileSync(join(workDir, 'certs-only.der')), /no SignerInfo/, 'a certificates-only SignedData');
  openssl(['cms', '-data_create', '-binary', '-in', 'content.bin', '-outform', 'DER', '-out', 'data.der']);
  refuses(t, readFileSync(join(workDir, 'data.der')), /content type is 1\.2\.840\.113549\.1\.7\.1, not signedData/, 'a ContentInfo of id-data');
});
