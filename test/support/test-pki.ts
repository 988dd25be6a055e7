/**
 * A real PKI for signing tests: a root CA, an intermediate and signing leaves (RSA and ECDSA P-256),
 * an expired leaf and a leaf from a CA nobody trusts. Made once per test process (RSA key
 * generation takes a moment).
 */
import type { X509Certificate } from 'node:crypto';
import { generateKeyPair, issueCertificate, type KeyKind, type KeyPair } from '../../src/services/signing/certificate-builder.js';
import { KeySigner } from '../../src/services/signing/signer.js';

const DAY = 86_400_000;

export interface Identity {
  keys: KeyPair;
  certificate: X509Certificate;
}

export interface TestPki {
  root: Identity;
  intermediate: Identity;
  /** Signing leaves issued by the intermediate. */
  rsaLeaf: Identity;
  ecLeaf: Identity;
  /** Issued by the intermediate, valid for a day two years ago. */
  expiredLeaf: Identity;
  untrustedRoot: Identity;
  /** Issued by untrustedRoot. */
  untrustedLeaf: Identity;
  /** A signer for a leaf with the chain leaf, intermediate. */
  signerFor(leaf: Identity, issuer?: Identity): KeySigner;
}

async function identity(subject: string, kind: KeyKind, options: { issuer?: Identity; ca?: boolean; from?: number; to?: number }): Promise<Identity> {
  const keys = await generateKeyPair(kind);
  const now = Date.now();
  const certificate = await issueCertificate({
    subject,
    keys,
    issuer: options.issuer ? { certificate: options.issuer.certificate, keys: options.issuer.keys } : undefined,
    notBefore: new Date(options.from ?? now - DAY),
    notAfter: new Date(options.to ?? now + 365 * DAY),
    ca: options.ca,
  });
  return { keys, certificate };
}

let made: Promise<TestPki> | undefined;

async function makePki(): Promise<TestPki> {
  const root = await identity('CN=Test Root CA, O=Test Ministry, C=RU', 'rsa', { ca: true, from: Date.now() - 3 * 365 * DAY, to: Date.now() + 3 * 365 * DAY });
  const intermediate = await identity('CN=Test Issuing CA, O=Test Ministry, C=RU', 'rsa', { issuer: root, ca: true, from: Date.now() - 3 * 365 * DAY });
  const rsaLeaf = await identity('CN=Лаборатория №1, O=ГБУЗ Тестовая больница, C=RU', 'rsa', { issuer: intermediate });
  const ecLeaf = await identity('CN=Ivanov Ivan, O=Test Clinic, C=RU', 'ec', { issuer: intermediate });
  const expiredLeaf = await identity('CN=Expired Signer, O=Test Clinic, C=RU', 'ec', { issuer: intermediate, from: Date.now() - 2 * 365 * DAY, to: Date.now() - 2 * 365 * DAY + DAY });
  const untrustedRoot = await identity('CN=Unknown Root CA, O=Elsewhere, C=RU', 'ec', { ca: true });
  const untrustedLeaf = await identity('CN=Unknown Signer, O=Elsewhere, C=RU', 'ec', { issuer: untrustedRoot });
  const signerFor = (leaf: Identity, issuer: Identity = intermediate) => new KeySigner(leaf.keys.privateKey, [leaf.certificate, issuer.certificate]);
  return { root, intermediate, rsaLeaf, ecLeaf, expiredLeaf, untrustedRoot, untrustedLeaf, signerFor };
}

export function testPki(): Promise<TestPki> {
  made ??= makePki();
  return made;
}
