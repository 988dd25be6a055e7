/**
 * Detached CMS SignedData (RFC 5652): a signature sent beside the document it signs. Built and
 * read with node-forge's ASN.1 module (forge.pkcs7 signs with RSA only); keys, hashes and
 * signatures are node:crypto's, through the Signer interface.
 */
import { X509Certificate, createHash } from 'node:crypto';
import forge from 'node-forge';
import {
  Asn1ShapeError, algorithmOidOf, contextBytesOf, contextChildrenOf, contextTagOf, derOf, integerBytesOf,
  octetsOf, oidOf, parseDer, sequenceOf, setOf, timeOf, type Asn1,
} from './asn1-reading.js';
import { ES256, RS256, algorithmByCmsOids, verifySignature, type SignatureAlgorithm } from './signature-algorithms.js';
import { digestOf, type Signer } from './signer.js';

const { asn1, pki: { oids } } = forge;
const { Class, Type } = asn1;

/** The bytes are not a detached CMS SignedData this server can read; the message says why, for the client. */
export class CmsFormatError extends Error {
  override name = 'CmsFormatError';
}

export interface ParsedCms {
  certificates: X509Certificate[];
  /** The certificate the SignerInfo names, when the CMS includes it. */
  signerCertificate?: X509Certificate;
  /** Known once the signer certificate (and so the key type) is. */
  algorithm?: SignatureAlgorithm;
  digestOid: string;
  signatureOid: string;
  signingTime?: Date;
  messageDigest: Buffer;
  /** The DER the signature is over: the signed attributes tagged as a SET. */
  signedAttributes: Buffer;
  signature: Buffer;
}

// ---- Creating

function node(type: forge.asn1.Type, value: string | Asn1[]): Asn1 {
  return asn1.create(Class.UNIVERSAL, type, Array.isArray(value), value);
}

const sequence = (items: Asn1[]) => node(Type.SEQUENCE, items);
const objectId = (oid: string) => node(Type.OID, asn1.oidToDer(oid).getBytes());
const octets = (bytes: Uint8Array) => node(Type.OCTETSTRING, Buffer.from(bytes).toString('latin1'));
const integer = (value: number) => node(Type.INTEGER, asn1.integerToDer(value).getBytes());
const context = (tag: number, items: Asn1[]) => asn1.create(Class.CONTEXT_SPECIFIC, tag, true, items);

/** A DER SET OF: its elements sorted by their encodings. */
function derSet(items: Asn1[]): Asn1 {
  const sorted = items.map((item) => ({ item, der: derOf(item) })).sort((a, b) => Buffer.compare(a.der, b.der));
  return node(Type.SET, sorted.map(({ item }) => item));
}

/** RFC 5652 §11.3: UTCTime for 1950 to 2049, GeneralizedTime otherwise. */
function time(date: Date): Asn1 {
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? node(Type.UTCTIME, asn1.dateToUtcTime(date))
    : node(Type.GENERALIZEDTIME, asn1.dateToGeneralizedTime(date));
}

function attribute(type: string, value: Asn1): Asn1 {
  return sequence([objectId(type), derSet([value])]);
}

/** ECDSA identifiers have no parameters (RFC 5758), RSA ones a NULL (RFC 4055). */
function signatureAlgorithmIdentifier(algorithm: SignatureAlgorithm): Asn1 {
  const parameters = algorithm.keyType === 'rsa' ? [node(Type.NULL, '')] : [];
  return sequence([objectId(algorithm.signatureOid), ...parameters]);
}

function issuerAndSerialNumber(certificate: X509Certificate): Asn1 {
  const { issuer, serialNumber } = certificateFieldsOf(certificate);
  return sequence([issuer, serialNumber]);
}

export function createDetachedCms(content: Uint8Array, signer: Signer, signingTime: Date): Buffer {
  const { algorithm, chain } = signer;
  const signedAttributes = derSet([
    attribute(oids.contentType, objectId(oids.data)),
    attribute(oids.signingTime, time(signingTime)),
    attribute(oids.messageDigest, octets(digestOf(algorithm, content))),
  ]);
  const signerInfo = sequence([
    integer(1),
    issuerAndSerialNumber(chain[0]),
    sequence([objectId(algorithm.digestOid)]),
    context(0, signedAttributes.value as Asn1[]),
    signatureAlgorithmIdentifier(algorithm),
    octets(signer.sign(derOf(signedAttributes), 'cms')),
  ]);
  const signedData = sequence([
    integer(1),
    derSet([sequence([objectId(algorithm.digestOid)])]),
    sequence([objectId(oids.data)]),
    context(0, derSet(chain.map((certificate) => parseDer(certificate.raw, 'a chain certificate'))).value as Asn1[]),
    derSet([signerInfo]),
  ]);
  return derOf(sequence([objectId(oids.signedData), context(0, [signedData])]));
}

// ---- Certificates

interface CertificateFields {
  serialNumber: Asn1;
  issuer: Asn1;
  subjectKeyIdentifier?: Buffer;
}

function certificateFieldsOf(certificate: X509Certificate): CertificateFields {
  const [tbs] = sequenceOf(parseDer(certificate.raw, 'a certificate'), 'Certificate');
  const fields = sequenceOf(tbs, 'TBSCertificate');
  const first = contextTagOf(fields[0]) === 0 ? 1 : 0; // the [0] version is absent from v1 certificates
  const extensions = fields.find((field) => contextTagOf(field) === 3);
  return {
    serialNumber: fields[first],
    issuer: fields[first + 2],
    subjectKeyIdentifier: extensions && subjectKeyIdentifierOf(contextChildrenOf(extensions, 3, 'extensions')[0]),
  };
}

function subjectKeyIdentifierOf(extensions: Asn1): Buffer | undefined {
  for (const extension of sequenceOf(extensions, 'Extensions')) {
    const [id, ...rest] = sequenceOf(extension, 'Extension');
    if (oidOf(id, 'extnID') !== oids.subjectKeyIdentifier) continue;
    const value = octetsOf(rest.at(-1), 'extnValue');
    return octetsOf(parseDer(value, 'SubjectKeyIdentifier'), 'SubjectKeyIdentifier');
  }
  return undefined;
}

function readCertificates(set: Asn1 | undefined): X509Certificate[] {
  if (set === undefined) return [];
  // Only X.509 certificates (plain SEQUENCEs); attribute and other certificates are tagged and skipped.
  const certificates = contextChildrenOf(set, 0, 'certificates').filter((item) => contextTagOf(item) === undefined);
  return certificates.map((certificate) => {
    try {
      return new X509Certificate(derOf(certificate));
    } catch (error) {
      throw new CmsFormatError(`a certificate in the CMS cannot be read: ${(error as Error).message}`);
    }
  });
}

// ---- Parsing

type SignerIdentifier = { issuer: Buffer; serialNumber: Buffer } | { subjectKeyIdentifier: Buffer };

function readSignerIdentifier(sid: Asn1 | undefined): SignerIdentifier {
  if (contextTagOf(sid) === 0) return { subjectKeyIdentifier: contextBytesOf(sid, 0, 'SignerInfo.sid') };
  const [issuer, serialNumber] = sequenceOf(sid, 'SignerInfo.sid');
  sequenceOf(issuer, 'SignerInfo.sid issuer'); // a Name, compared by its DER
  return { issuer: derOf(issuer), serialNumber: integerBytesOf(serialNumber, 'SignerInfo.sid serialNumber') };
}

function identifies(sid: SignerIdentifier, certificate: X509Certificate): boolean {
  const fields = certificateFieldsOf(certificate);
  if ('subjectKeyIdentifier' in sid) return fields.subjectKeyIdentifier?.equals(sid.subjectKeyIdentifier) ?? false;
  return derOf(fields.issuer).equals(sid.issuer) && integerBytesOf(fields.serialNumber, 'serialNumber').equals(sid.serialNumber);
}

/** Signed attributes by type: the first value of each. */
function readAttributes(attributes: Asn1[]): Map<string, Asn1 | undefined> {
  return new Map(attributes.map((attribute) => {
    const [type, values] = sequenceOf(attribute, 'signed attribute');
    return [oidOf(type, 'attribute type'), setOf(values, 'attribute values')[0]];
  }));
}

const KNOWN_DIGESTS = new Map([RS256, ES256].map((algorithm) => [algorithm.digestOid, algorithm.hash]));

function hashNameOf(digestOid: string): string {
  const hash = KNOWN_DIGESTS.get(digestOid);
  if (hash === undefined) throw new CmsFormatError(`unsupported digest algorithm ${digestOid} (SHA-256 is supported)`);
  return hash;
}

interface SignedAttributes {
  messageDigest: Buffer;
  signingTime?: Date;
  /** The DER the signature is over. */
  signedAttributes: Buffer;
}

function readSignedAttributes(signedAttrs: Asn1 | undefined): SignedAttributes {
  if (contextTagOf(signedAttrs) !== 0) throw new CmsFormatError('the SignerInfo has no signed attributes, so no messageDigest');
  const list = contextChildrenOf(signedAttrs, 0, 'SignerInfo.signedAttrs');
  const attributes = readAttributes(list);
  const messageDigest = attributes.get(oids.messageDigest);
  if (messageDigest === undefined) throw new CmsFormatError('the SignerInfo has no messageDigest signed attribute');
  const signingTime = attributes.get(oids.signingTime);
  return {
    messageDigest: octetsOf(messageDigest, 'messageDigest'),
    signingTime: signingTime && timeOf(signingTime, 'signingTime'),
    signedAttributes: derOf(asn1.create(Class.UNIVERSAL, Type.SET, true, list)),
  };
}

interface SignerInfo extends SignedAttributes {
  sid: SignerIdentifier;
  digestOid: string;
  signatureOid: string;
  signature: Buffer;
}

function readSignerInfo(signerInfo: Asn1): SignerInfo {
  const [, sid, digestAlgorithm, signedAttrs, signatureAlgorithm, signature] = sequenceOf(signerInfo, 'SignerInfo');
  const digestOid = algorithmOidOf(digestAlgorithm, 'SignerInfo.digestAlgorithm');
  hashNameOf(digestOid); // an unknown digest is refused here, not when checking
  return {
    sid: readSignerIdentifier(sid),
    digestOid,
    ...readSignedAttributes(signedAttrs),
    signatureOid: algorithmOidOf(signatureAlgorithm, 'SignerInfo.signatureAlgorithm'),
    signature: octetsOf(signature, 'SignerInfo.signature'),
  };
}

function onlySignerInfo(signerInfos: Asn1 | undefined): SignerInfo {
  const items = setOf(signerInfos, 'SignedData.signerInfos');
  if (items.length === 0) throw new CmsFormatError('the CMS has no SignerInfo: nobody signed it');
  if (items.length > 1) throw new CmsFormatError(`the CMS has ${items.length} SignerInfos; exactly one signer is expected`);
  return readSignerInfo(items[0]);
}

function requireDetached(encapContentInfo: Asn1 | undefined): void {
  const [, eContent] = sequenceOf(encapContentInfo, 'SignedData.encapContentInfo');
  if (eContent !== undefined) throw new CmsFormatError('the CMS is not detached: it contains the signed content (eContent); send the signature without the content');
}

function readSignedData(der: Uint8Array): ParsedCms {
  const [contentType, content] = sequenceOf(parseDer(der, 'the CMS'), 'ContentInfo');
  const type = oidOf(contentType, 'ContentInfo.contentType');
  if (type !== oids.signedData) throw new CmsFormatError(`the CMS content type is ${type}, not signedData (${oids.signedData})`);
  const [, , encapContentInfo, ...rest] = sequenceOf(contextChildrenOf(content, 0, 'ContentInfo.content')[0], 'SignedData');
  requireDetached(encapContentInfo);
  const certificates = readCertificates(rest.find((item) => contextTagOf(item) === 0));
  const { sid, ...signerInfo } = onlySignerInfo(rest.at(-1));
  const signerCertificate = certificates.find((certificate) => identifies(sid, certificate));
  return { certificates, signerCertificate, algorithm: algorithmFor(signerInfo, signerCertificate), ...signerInfo };
}

function algorithmFor(signerInfo: Omit<SignerInfo, 'sid'>, signerCertificate?: X509Certificate): SignatureAlgorithm | undefined {
  if (signerCertificate === undefined) return undefined;
  const { publicKey } = signerCertificate;
  const algorithm = algorithmByCmsOids(signerInfo.digestOid, signerInfo.signatureOid, publicKey);
  if (algorithm === undefined) {
    throw new CmsFormatError(`unsupported signature algorithm ${signerInfo.signatureOid} for a ${publicKey.asymmetricKeyType} key (RSA or ECDSA P-256 with SHA-256 are supported)`);
  }
  return algorithm;
}

export function parseDetachedCms(der: Uint8Array): ParsedCms {
  if (Buffer.from(der.subarray(0, 11)).toString('latin1') === '-----BEGIN ') {
    throw new CmsFormatError('the CMS is PEM text; its DER bytes are expected');
  }
  try {
    return readSignedData(der);
  } catch (error) {
    if (error instanceof Asn1ShapeError) throw new CmsFormatError(`not a CMS SignedData: ${error.message}`);
    throw error;
  }
}

// ---- Checking

export function checkDetachedCms(parsed: ParsedCms, content: Uint8Array): { contentMatches: boolean; signatureValid: boolean } {
  const digest = createHash(hashNameOf(parsed.digestOid)).update(content).digest();
  const { algorithm, signerCertificate } = parsed;
  const signatureValid = algorithm !== undefined && signerCertificate !== undefined
    && verifySignature(algorithm, signerCertificate.publicKey, parsed.signedAttributes, parsed.signature, 'cms');
  return { contentMatches: digest.equals(parsed.messageDigest), signatureValid };
}
