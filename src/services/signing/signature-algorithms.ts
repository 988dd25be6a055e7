import { verify as nodeVerify, type KeyObject } from 'node:crypto';

/** One signature algorithm, named as JWS and as CMS name it. */
export interface SignatureAlgorithm {
  /** JWS "alg". */
  readonly jws: string;
  /** node:crypto hash name. */
  readonly hash: string;
  readonly digestOid: string;
  /** CMS SignerInfo.signatureAlgorithm. */
  readonly signatureOid: string;
  readonly keyType: 'rsa' | 'ec';
}

const SHA256 = '2.16.840.1.101.3.4.2.1';

export const RS256: SignatureAlgorithm = { jws: 'RS256', hash: 'sha256', digestOid: SHA256, signatureOid: '1.2.840.113549.1.1.11', keyType: 'rsa' };
export const ES256: SignatureAlgorithm = { jws: 'ES256', hash: 'sha256', digestOid: SHA256, signatureOid: '1.2.840.10045.4.3.2', keyType: 'ec' };

const ALGORITHMS = [RS256, ES256];
/** CMS signers often name RSA by the key OID (rsaEncryption) rather than sha256WithRSAEncryption. */
const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';

export const MIN_RSA_BITS = 2048;

/** The algorithm a key signs with; keys the server will not sign with are refused with a reason. */
export function signatureAlgorithmOf(key: KeyObject): SignatureAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < MIN_RSA_BITS) throw new Error(`RSA keys must have at least ${MIN_RSA_BITS} bits, this one has ${details.modulusLength}`);
    return RS256;
  }
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve !== 'prime256v1') throw new Error(`ECDSA keys must be on P-256, this one is on ${details.namedCurve}`);
    return ES256;
  }
  throw new Error(`unsupported key type ${key.asymmetricKeyType} (RSA 2048+ or ECDSA P-256)`);
}

export function algorithmByJwsName(alg: unknown): SignatureAlgorithm | undefined {
  return ALGORITHMS.find((a) => a.jws === alg);
}

export function algorithmByCmsOids(digestOid: string, signatureOid: string, key: KeyObject): SignatureAlgorithm | undefined {
  const oid = signatureOid === RSA_ENCRYPTION && key.asymmetricKeyType === 'rsa' ? RS256.signatureOid : signatureOid;
  return ALGORITHMS.find((a) => a.signatureOid === oid && a.digestOid === digestOid);
}

/** Checks a signature made by `algorithm`; a key of the wrong type is simply not valid. */
export function verifySignature(algorithm: SignatureAlgorithm, key: KeyObject, data: Uint8Array, signature: Uint8Array, encoding: 'jws' | 'cms'): boolean {
  if (key.asymmetricKeyType !== algorithm.keyType) return false;
  const dsaEncoding = encoding === 'jws' ? 'ieee-p1363' : 'der';
  try {
    return nodeVerify(algorithm.hash, data, { key, dsaEncoding }, signature);
  } catch {
    return false;
  }
}
