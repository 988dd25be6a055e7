import { createHash, sign as nodeSign, type KeyObject, type X509Certificate } from 'node:crypto';
import { signatureAlgorithmOf, type SignatureAlgorithm } from './signature-algorithms.js';

/**
 * What signs: a private key with its certificate chain. Bundle signing (JWS and CMS) only talks
 * to this interface, so a GOST R 34.10-2012 signer backed by a certified crypto provider can
 * replace the node:crypto one without touching the callers.
 */
export interface Signer {
  /** The signer's certificate first, then the intermediates up to (not necessarily including) the root. */
  readonly chain: readonly X509Certificate[];
  readonly algorithm: SignatureAlgorithm;
  /** The signature over `data`: JWS encoding (ECDSA r||s) or CMS encoding (ECDSA DER); RSA is the same in both. */
  sign(data: Uint8Array, encoding: 'jws' | 'cms'): Buffer;
}

export function digestOf(algorithm: SignatureAlgorithm, data: Uint8Array): Buffer {
  return createHash(algorithm.hash).update(data).digest();
}

/** A Signer over a node:crypto private key (RSA 2048+ or ECDSA P-256). */
export class KeySigner implements Signer {
  readonly algorithm: SignatureAlgorithm;

  constructor(private readonly key: KeyObject, readonly chain: readonly X509Certificate[]) {
    if (chain.length === 0) throw new Error('a signer needs its certificate');
    if (!chain[0].checkPrivateKey(key)) throw new Error('the private key does not belong to the signing certificate');
    this.algorithm = signatureAlgorithmOf(key);
  }

  sign(data: Uint8Array, encoding: 'jws' | 'cms'): Buffer {
    const dsaEncoding = encoding === 'jws' ? 'ieee-p1363' : 'der';
    return nodeSign(this.algorithm.hash, data, { key: this.key, dsaEncoding });
  }
}
