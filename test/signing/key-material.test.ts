/**
 * Loading the server's key and chain from real files: PEM pairs in every key encoding, encrypted
 * keys, PKCS#12 made by the openssl CLI (OpenSSL 3 defaults: PBES2, PBKDF2, AES-256) and by
 * node-forge, the trust store, and the development identity.
 */
import { X509Certificate, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import t, { type Test } from 'tap';
import { generateKeyPair, issueCertificate } from '../../src/services/signing/certificate-builder.js';
import { developmentIdentity } from '../../src/services/signing/development-identity.js';
import { loadSigningKeyMaterial } from '../../src/services/signing/key-material.js';
import { KeySigner } from '../../src/services/signing/signer.js';
import { loadSigningIdentity } from '../../src/services/signing/signing-identity.js';
import { SigningSetupError } from '../../src/services/signing/signing-setup-error.js';
import { loadTrustStore } from '../../src/services/signing/trust-store.js';
import { testPki, type Identity } from '../support/test-pki.js';
import { fingerprints, noOpenssl, openssl, pemChain, pkcs8Pem, scratchDirectory, settingsFrom } from './key-files.js';

const pki = await testPki();
const { rsaLeaf, ecLeaf, intermediate, root, untrustedRoot } = pki;

const sameKey = (a: KeyObject, b: KeyObject) => createPublicKey(a).export({ type: 'spki', format: 'der' }).equals(createPublicKey(b).export({ type: 'spki', format: 'der' }));

function assertSigns(t: Test, material: { privateKey: KeyObject; chain: X509Certificate[] }, leaf: Identity) {
  const signer = new KeySigner(material.privateKey, material.chain);
  const data = Buffer.from('{"resourceType":"Bundle"}');
  t.ok(verify(signer.algorithm.hash, data, { key: leaf.certificate.publicKey, dsaEncoding: 'der' }, signer.sign(data, 'cms')), 'signs, verified by the certificate');
}

function rejects(t: Test, load: () => unknown, message: RegExp, what: string) {
  let thrown: unknown;
  try {
    load();
  } catch (err) {
    thrown = err;
  }
  t.ok(thrown instanceof SigningSetupError, `${what}: a SigningSetupError`);
  t.match((thrown as Error | undefined)?.message, message, what);
}

t.test('a PEM key with its PEM chain, in each key encoding', async (t) => {
  const files = scratchDirectory(t);
  const encodings: Array<[string, Identity, 'pkcs8' | 'pkcs1' | 'sec1', RegExp]> = [
    ['RSA PKCS#8', rsaLeaf, 'pkcs8', /BEGIN PRIVATE KEY/],
    ['RSA PKCS#1', rsaLeaf, 'pkcs1', /BEGIN RSA PRIVATE KEY/],
    ['EC PKCS#8', ecLeaf, 'pkcs8', /BEGIN PRIVATE KEY/],
    ['EC SEC1', ecLeaf, 'sec1', /BEGIN EC PRIVATE KEY/],
  ];
  for (const [name, leaf, type, header] of encodings) {
    const pem = leaf.keys.privateKey.export({ type, format: 'pem' }) as string;
    t.match(pem, header, `${name} is written as such`);
    const keyFile = files.write(`${name}.key`, pem);
    const certFile = files.write(`${name}.crt`, pemChain(leaf.certificate, intermediate.certificate));
    const material = loadSigningKeyMaterial(settingsFrom({ SIGNING_KEY_FILE: keyFile, SIGNING_CERT_FILE: certFile }));
    t.ok(sameKey(material.privateKey, leaf.keys.privateKey), `${name}: the key`);
    t.same(fingerprints(material.chain), fingerprints([leaf.certificate, intermediate.certificate]), `${name}: the chain`);
    assertSigns(t, material, leaf);
  }
});

t.test('an encrypted PKCS#8 key opens with SIGNING_KEY_PASSWORD, and only with the right one', async (t) => {
  const files = scratchDirectory(t);
  const keyFile = files.write('key.pem', ecLeaf.keys.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'пароль-1' }));
  const certFile = files.write('chain.pem', pemChain(ecLeaf.certificate, intermediate.certificate));
  const env = { SIGNING_KEY_FILE: keyFile, SIGNING_CERT_FILE: certFile };
  const material = loadSigningKeyMaterial(settingsFrom({ ...env, SIGNING_KEY_PASSWORD: 'пароль-1' }));
  t.ok(sameKey(material.privateKey, ecLeaf.keys.privateKey));
  assertSigns(t, material, ecLeaf);
  rejects(t, () => loadSigningKeyMaterial(settingsFrom({ ...env, SIGNING_KEY_PASSWORD: 'wrong' })), new RegExp(`private key in ${keyFile}: wrong password`), 'a wrong password');
  rejects(t, () => loadSigningKeyMaterial(settingsFrom(env)), /encrypted: set SIGNING_KEY_PASSWORD/, 'no password');
});

t.test('the chain file in any order gives the signer first, then its issuers, then the rest', async (t) => {
  const files = scratchDirectory(t);
  const keyFile = files.write('key.pem', pkcs8Pem(ecLeaf.keys.privateKey));
  const certFile = files.write('chain.pem', pemChain(untrustedRoot.certificate, root.certificate, intermediate.certificate, ecLeaf.certificate, intermediate.certificate));
  const material = loadSigningKeyMaterial(settingsFrom({ SIGNING_KEY_FILE: keyFile, SIGNING_CERT_FILE: certFile }));
  t.same(fingerprints(material.chain), fingerprints([ecLeaf.certificate, intermediate.certificate, root.certificate, untrustedRoot.certificate]));
});

t.test('a PEM pair that cannot be used is refused with the file and the reason', async (t) => {
  const files = scratchDirectory(t);
  const ecKey = files.write('ec.pem', pkcs8Pem(ecLeaf.keys.privateKey));
  const rsaChain = files.write('rsa-chain.pem', pemChain(rsaLeaf.certificate, intermediate.certificate));
  const missing = join(files.dir, 'missing.pem');
  rejects(t, () => loadSigningKeyMaterial(settingsFrom({ SIGNING_KEY_FILE: ecKey, SIGNING_CERT_FILE: rsaChain })), new RegExp(`No certificate in ${rsaChain} belongs to the private key in ${ecKey}`), 'a key without its certificate');
  rejects(t, () => loadSigningKeyMaterial(settingsFrom({ SIGNING_KEY_FILE: missing, SIGNING_CERT_FILE: rsaChain })), new RegExp(`Cannot read the signing key file ${missing}: no such file`), 'a missing key file');
  rejects(t, () => loadSigningKeyMaterial(settingsFrom({ SIGNING_KEY_FILE: ecKey, SIGNING_CERT_FILE: missing })), new RegExp(`Cannot read the signing certificate file ${missing}: no such file`), 'a missing certificate file');
  rejects(t, () => loadSigningKeyMaterial(settingsFrom({ SIGNING_KEY_FILE: rsaChain, SIGNING_CERT_FILE: rsaChain })), new RegExp(`${rsaChain} holds no PEM private key`), 'a key file without a key');
  rejects(t, () => loadSigningKeyMaterial(settingsFrom({ SIGNING_KEY_FILE: ecKey, SIGNING_CERT_FILE: ecKey })), new RegExp(`${ecKey} holds no PEM certificate`), 'a certificate file without a certificate');
});

t.test('PKCS#12 made by openssl pkcs12 -export with its default (OpenSSL 3) algorithms, RSA and ECDSA', { skip: noOpenssl }, async (t) => {
  const files = scratchDirectory(t);
  for (const [name, leaf] of [['rsa', rsaLeaf], ['ec', ecLeaf]] as const) {
    const keyFile = files.write(`${name}.key`, pkcs8Pem(leaf.keys.privateKey));
    const leafFile = files.write(`${name}.crt`, leaf.certificate.toString());
    const issuerFile = files.write('intermediate.crt', intermediate.certificate.toString());
    const p12File = join(files.dir, `${name}.p12`);
    openssl(['pkcs12', '-export', '-inkey', keyFile, '-in', leafFile, '-certfile', issuerFile, '-passout', 'pass:s3cret', '-out', p12File]);
    t.match(openssl(['pkcs12', '-in', p12File, '-info', '-noout', '-passin', 'pass:s3cret']), /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC/, `${name}: the key is AES-encrypted`);
    const material = loadSigningKeyMaterial(settingsFrom({ SIGNING_P12_FILE: p12File, SIGNING_KEY_PASSWORD: 's3cret' }));
    t.ok(sameKey(material.privateKey, leaf.keys.privateKey), `${name}: the key`);
    t.same(fingerprints(material.chain), fingerprints([leaf.certificate, intermediate.certificate]), `${name}: the chain, byte for byte`);
    assertSigns(t, material, leaf);
    rejects(t, () => loadSigningKeyMaterial(settingsFrom({ SIGNING_P12_FILE: p12File, SIGNING_KEY_PASSWORD: 'wrong' })), new RegExp(`PKCS#12 file ${p12File}: wrong password`), `${name}: a wrong password`);
    rejects(t, () => loadSigningKeyMaterial(settingsFrom({ SIGNING_P12_FILE: p12File })), /wrong password/, `${name}: no password`);
  }
});

function forgePkcs12(key: KeyObject | null, certificates: X509Certificate[], password: string): Buffer {
  const forgeKey = key ? forge.pki.privateKeyFromPem(pkcs8Pem(key)) : null;
  const forgeCertificates = certificates.map((certificate) => forge.pki.certificateFromPem(certificate.toString()));
  const asn1 = forge.pkcs12.toPkcs12Asn1(forgeKey, forgeCertificates, password, { algorithm: 'aes256' });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

t.test('PKCS#12 made by node-forge (RSA), with the chain in any order', async (t) => {
  const files = scratchDirectory(t);
  const p12File = files.write('forge.p12', forgePkcs12(rsaLeaf.keys.privateKey, [intermediate.certificate, rsaLeaf.certificate], 'secret'));
  const material = loadSigningKeyMaterial(settingsFrom({ SIGNING_P12_FILE: p12File, SIGNING_KEY_PASSWORD: 'secret' }));
  t.ok(sameKey(material.privateKey, rsaLeaf.keys.privateKey));
  t.same(fingerprints(material.chain), fingerprints([rsaLeaf.certificate, intermediate.certificate]));
  assertSigns(t, material, rsaLeaf);
  rejects(t, () => loadSigningKeyMaterial(settingsFrom({ SIGNING_P12_FILE: p12File, SIGNING_KEY_PASSWORD: 'wrong' })), /wrong password/, 'a wrong password');
});

t.test('a PKCS#12 file that cannot be used is refused with the file and the reason', async (t) => {
  const files = scratchDirectory(t);
  const withoutKey = files.write('no-key.p12', forgePkcs12(null, [rsaLeaf.certificate], 'secret'));
  const foreignCertificate = files.write('foreign.p12', forgePkcs12(rsaLeaf.keys.privateKey, [intermediate.certificate], 'secret'));
  const pemFile = files.write('chain.pem', pemChain(rsaLeaf.certificate));
  const load = (file: string) => () => loadSigningKeyMaterial(settingsFrom({ SIGNING_P12_FILE: file, SIGNING_KEY_PASSWORD: 'secret' }));
  rejects(t, load(withoutKey), new RegExp(`${withoutKey} holds no private key`), 'no key');
  rejects(t, load(foreignCertificate), new RegExp(`${foreignCertificate} holds no certificate that belongs to its private key`), 'no certificate of the key');
  rejects(t, load(pemFile), new RegExp(`${pemFile} is not a PKCS#12 file`), 'a PEM file');
  rejects(t, load(join(files.dir, 'absent.p12')), /Cannot read the PKCS#12 file .*absent\.p12: no such file/, 'a missing file');
});

t.test('the trust store reads PEM files with several certificates and directories of PEM and DER files', async (t) => {
  const files = scratchDirectory(t);
  const bundle = files.write('cas.pem', pemChain(root.certificate, intermediate.certificate));
  t.same(fingerprints(loadTrustStore([bundle])), fingerprints([root.certificate, intermediate.certificate]), 'a PEM file');

  const directory = join(files.dir, 'trusted');
  mkdirSync(directory);
  writeFileSync(join(directory, 'a-root.pem'), root.certificate.toString());
  writeFileSync(join(directory, 'b-intermediate.CER'), intermediate.certificate.raw);
  writeFileSync(join(directory, 'c-other.crt'), untrustedRoot.certificate.toString());
  writeFileSync(join(directory, 'readme.txt'), 'not a certificate');
  t.same(fingerprints(loadTrustStore([directory, bundle])), fingerprints([root.certificate, intermediate.certificate, untrustedRoot.certificate]), 'a directory (DER too) and a file, without repeats');
});

t.test('the trust store refuses paths it cannot read and files without a certificate', async (t) => {
  const files = scratchDirectory(t);
  const keyOnly = files.write('key.pem', pkcs8Pem(ecLeaf.keys.privateKey));
  const empty = join(files.dir, 'empty');
  mkdirSync(empty);
  const withKey = join(files.dir, 'with-key');
  mkdirSync(withKey);
  writeFileSync(join(withKey, 'root.pem'), root.certificate.toString());
  writeFileSync(join(withKey, 'key.pem'), pkcs8Pem(ecLeaf.keys.privateKey));
  rejects(t, () => loadTrustStore([join(files.dir, 'absent')]), /Cannot read the trust store .*absent: no such file/, 'a missing path');
  rejects(t, () => loadTrustStore([keyOnly]), new RegExp(`trust store file ${keyOnly} holds no certificate`), 'a file without certificate');
  rejects(t, () => loadTrustStore([withKey]), /trust store file .*with-key\/key\.pem holds no certificate/, 'a directory with a file without certificate');
  rejects(t, () => loadTrustStore([empty]), /holds no \.pem\/\.crt\/\.cer file/, 'an empty directory');
  rejects(t, () => loadTrustStore([files.write('broken.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')]), /certificate #1 is not a valid X\.509 certificate/, 'a broken certificate');
});

t.test('the development identity is made once (ECDSA P-256, self-signed, 2 years, key mode 0600) and reused', async (t) => {
  const dataDir = join(scratchDirectory(t).dir, 'data');
  const first = await developmentIdentity(dataDir);
  t.equal(first.created, true);
  t.equal(first.directory, join(dataDir, 'signing'));
  const [certificate] = first.chain;
  t.equal(certificate!.subject, 'CN=EGISZ FHIR development signer');
  t.ok(certificate!.issuer === certificate!.subject && certificate!.verify(certificate!.publicKey), 'self-signed');
  t.same(first.privateKey.asymmetricKeyDetails, { namedCurve: 'prime256v1' });
  const years = (Date.parse(certificate!.validTo) - Date.parse(certificate!.validFrom)) / (365.25 * 86_400_000);
  t.ok(Math.abs(years - 2) < 0.01, `valid for 2 years (${years.toFixed(3)})`);
  t.equal(statSync(join(first.directory, 'development-key.pem')).mode & 0o777, 0o600);

  const second = await developmentIdentity(dataDir);
  t.equal(second.created, false);
  t.same(fingerprints(second.chain), fingerprints(first.chain));
  t.ok(sameKey(second.privateKey, first.privateKey));
  const signer = new KeySigner(second.privateKey, second.chain);
  const data = Buffer.from('payload');
  t.equal(signer.algorithm.jws, 'ES256');
  t.ok(verify('sha256', data, { key: certificate!.publicKey, dsaEncoding: 'ieee-p1363' }, signer.sign(data, 'jws')));
});

t.test('an expired development certificate is replaced, a broken pair is refused', async (t) => {
  const dataDir = scratchDirectory(t).dir;
  const directory = join(dataDir, 'signing');
  mkdirSync(directory);
  writeFileSync(join(directory, 'development-key.pem'), pkcs8Pem(pki.expiredLeaf.keys.privateKey));
  writeFileSync(join(directory, 'development-certificate.pem'), pki.expiredLeaf.certificate.toString());
  const renewed = await developmentIdentity(dataDir);
  t.equal(renewed.created, true);
  t.not(renewed.chain[0]!.fingerprint256, pki.expiredLeaf.certificate.fingerprint256);

  writeFileSync(join(directory, 'development-certificate.pem'), ecLeaf.certificate.toString());
  await t.rejects(developmentIdentity(dataDir), /No certificate in .*development-certificate\.pem belongs to the private key/);
});

t.test('the signing identity is the configured key when there is one, else the development identity', async (t) => {
  const files = scratchDirectory(t);
  const keyFile = files.write('key.pem', pkcs8Pem(ecLeaf.keys.privateKey));
  const certFile = files.write('chain.pem', pemChain(ecLeaf.certificate, intermediate.certificate));
  const configured = await loadSigningIdentity(settingsFrom({ SIGNING_KEY_FILE: keyFile, SIGNING_CERT_FILE: certFile }), files.dir);
  t.equal(configured.source, 'configured');
  t.equal(configured.location, keyFile);
  t.same(fingerprints(configured.signer.chain), fingerprints([ecLeaf.certificate, intermediate.certificate]));

  const development = await loadSigningIdentity(settingsFrom({}), files.dir);
  t.equal(development.source, 'development');
  t.equal(development.location, join(files.dir, 'signing'));
  t.equal(development.signer.chain[0]!.subject, 'CN=EGISZ FHIR development signer');
});

t.test('a configured key the server will not sign with is refused at load, naming the file', async (t) => {
  const files = scratchDirectory(t);
  const keys = await generateKeyPair('rsa', 1024);
  const certificate = await issueCertificate({ subject: 'CN=Weak', keys, notBefore: new Date(), notAfter: new Date(Date.now() + 86_400_000) });
  const keyFile = files.write('weak.pem', pkcs8Pem(keys.privateKey));
  const certFile = files.write('weak.crt', certificate.toString());
  await t.rejects(loadSigningIdentity(settingsFrom({ SIGNING_KEY_FILE: keyFile, SIGNING_CERT_FILE: certFile }), files.dir), new SigningSetupError(`The signing key in ${keyFile} cannot be used: RSA keys must have at least 2048 bits, this one has 1024`));
});
