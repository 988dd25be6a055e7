/**
 * JWS (RFC 7515) with a detached payload (appendix F): the compact form `header..signature`,
 * whose signing input is `base64url(header).base64url(payload)`. The protected header carries
 * the certificate chain (x5c), its thumbprint, the signing time (sigT, as JAdES names it) and
 * the SHA-256 of the payload, so a verifier can tell a changed payload from a damaged signature.
 */
import { X509Certificate, createHash } from 'node:crypto';
import type { Signer } from './signer.js';
import { algorithmByJwsName, verifySignature, type SignatureAlgorithm } from './signature-algorithms.js';

/** The private header parameter holding base64url(SHA-256(payload)). */
export const PAYLOAD_DIGEST_HEADER = 'x-payload-sha256';

export class JwsFormatError extends Error {}

export interface JwsHeader {
  alg: string;
  x5c?: string[];
  'x5t#S256'?: string;
  sigT?: string;
  [PAYLOAD_DIGEST_HEADER]?: string;
  crit?: string[];
  [name: string]: unknown;
}

function base64url(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

/** sigT is a UTC time to the second. */
function signingTimeOf(when: Date): string {
  return when.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function createDetachedJws(payload: Uint8Array, signer: Signer, when: Date): string {
  const header: JwsHeader = {
    alg: signer.algorithm.jws,
    x5c: signer.chain.map((certificate) => certificate.raw.toString('base64')),
    'x5t#S256': base64url(createHash('sha256').update(signer.chain[0].raw).digest()),
    sigT: signingTimeOf(when),
    [PAYLOAD_DIGEST_HEADER]: base64url(createHash('sha256').update(payload).digest()),
  };
  const encodedHeader = base64url(JSON.stringify(header));
  const signature = signer.sign(Buffer.from(`${encodedHeader}.${base64url(payload)}`), 'jws');
  return `${encodedHeader}..${base64url(signature)}`;
}

export interface ParsedJws {
  header: JwsHeader;
  encodedHeader: string;
  signature: Buffer;
  certificates: X509Certificate[];
  algorithm: SignatureAlgorithm;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function headerOf(encoded: string): JwsHeader {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw new JwsFormatError('the JWS header is not base64url-encoded JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new JwsFormatError('the JWS header is not a JSON object');
  return header as JwsHeader;
}

function certificatesOf(header: JwsHeader): X509Certificate[] {
  if (!Array.isArray(header.x5c) || header.x5c.length === 0) throw new JwsFormatError('the JWS header has no x5c certificate chain');
  return header.x5c.map((item, index) => {
    try {
      return new X509Certificate(Buffer.from(String(item), 'base64'));
    } catch {
      throw new JwsFormatError(`x5c[${index}] is not a base64 DER certificate`);
    }
  });
}

export function parseDetachedJws(compact: string): ParsedJws {
  const parts = compact.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) throw new JwsFormatError('not a JWS in compact serialisation (header.payload.signature)');
  if (parts[1] !== '') throw new JwsFormatError('the JWS carries its payload; a Bundle signature needs a detached payload (header..signature)');
  const header = headerOf(parts[0]);
  const algorithm = algorithmByJwsName(header.alg);
  if (!algorithm) throw new JwsFormatError(`JWS algorithm ${JSON.stringify(header.alg)} is not supported (RS256, ES256)`);
  if (header.crit !== undefined) throw new JwsFormatError(`the JWS header marks ${JSON.stringify(header.crit)} as critical, which this server does not understand`);
  return { header, encodedHeader: parts[0], signature: Buffer.from(parts[2], 'base64url'), certificates: certificatesOf(header), algorithm };
}

export interface JwsCheck {
  /** undefined when the header carries no payload digest to compare. */
  payloadMatchesDigest: boolean | undefined;
  signatureValid: boolean;
}

export function checkDetachedJws(jws: ParsedJws, payload: Uint8Array): JwsCheck {
  const signingInput = Buffer.from(`${jws.encodedHeader}.${base64url(payload)}`);
  const digest = jws.header[PAYLOAD_DIGEST_HEADER];
  return {
    payloadMatchesDigest: typeof digest === 'string' ? digest === base64url(createHash('sha256').update(payload).digest()) : undefined,
    signatureValid: verifySignature(jws.algorithm, jws.certificates[0].publicKey, signingInput, jws.signature, 'jws'),
  };
}
