/**
 * Makes keys, X.509 certificates and PKCS#10 requests, for RSA and ECDSA P-256 alike:
 * the development certificate made on first start, the operator's key and CSR command,
 * and the test PKI. node-forge creates RSA certificates only, hence @peculiar/x509.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { KeyObject, X509Certificate, randomBytes, webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export type KeyKind = 'rsa' | 'ec';

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function algorithmFor(kind: KeyKind, rsaBits = 2048): RsaHashedKeyGenParams | EcKeyGenParams & { hash: string } {
  return kind === 'rsa'
    ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: rsaBits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
    : { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
}

export async function generateKeyPair(kind: KeyKind, rsaBits = 2048): Promise<KeyPair> {
  const pair = (await webcrypto.subtle.generateKey(algorithmFor(kind, rsaBits), true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  return { privateKey: KeyObject.from(pair.privateKey), publicKey: KeyObject.from(pair.publicKey) };
}

function kindOf(key: KeyObject): KeyKind {
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'ec') return key.asymmetricKeyType;
  throw new Error(`unsupported key type ${key.asymmetricKeyType}`);
}

async function cryptoKeys(pair: KeyPair): Promise<webcrypto.CryptoKeyPair> {
  const algorithm = algorithmFor(kindOf(pair.privateKey), pair.privateKey.asymmetricKeyDetails?.modulusLength);
  const privateDer = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
  const publicDer = pair.publicKey.export({ type: 'spki', format: 'der' });
  return {
    privateKey: await webcrypto.subtle.importKey('pkcs8', privateDer, algorithm, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', publicDer, algorithm, true, ['verify']),
  };
}

export interface CertificateRequest {
  /** An X.500 name such as "CN=Lab, O=Clinic, C=RU". */
  subject: string;
  /** The key the certificate is for. */
  keys: KeyPair;
  /** The issuer's certificate and key; absent for a self-signed certificate. */
  issuer?: { certificate: X509Certificate; keys: KeyPair };
  notBefore: Date;
  notAfter: Date;
  /** A CA certificate (basicConstraints cA, keyCertSign); otherwise a signing leaf (digitalSignature, nonRepudiation). */
  ca?: boolean;
}

function extensionsFor(request: CertificateRequest): x509.Extension[] {
  const usage = request.ca
    ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature
    : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation;
  return [new x509.BasicConstraintsExtension(request.ca === true, undefined, true), new x509.KeyUsagesExtension(usage, true)];
}

export async function issueCertificate(request: CertificateRequest): Promise<X509Certificate> {
  const subjectKeys = await cryptoKeys(request.keys);
  const signingKeys = request.issuer ? await cryptoKeys(request.issuer.keys) : subjectKeys;
  const signingAlgorithm = algorithmFor(kindOf((request.issuer?.keys ?? request.keys).privateKey));
  const extensions = [...extensionsFor(request), await x509.SubjectKeyIdentifierExtension.create(subjectKeys.publicKey)];
  if (request.issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(signingKeys.publicKey));
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(12).toString('hex').replace(/^[89a-f]/, '1'),
    subject: request.subject,
    issuer: request.issuer ? new x509.X509Certificate(request.issuer.certificate.raw).subjectName : request.subject,
    notBefore: request.notBefore,
    notAfter: request.notAfter,
    publicKey: subjectKeys.publicKey,
    signingKey: signingKeys.privateKey,
    signingAlgorithm,
    extensions,
  });
  return new X509Certificate(Buffer.from(certificate.rawData));
}

/** A PKCS#10 certificate signing request in PEM, signed by the key it is for. */
export async function createCsr(subject: string, keys: KeyPair): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subject,
    keys: await cryptoKeys(keys),
    signingAlgorithm: algorithmFor(kindOf(keys.privateKey)),
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true)],
  });
  return csr.toString('pem');
}
