import type { Bundle, Coding, Reference, Signature } from 'fhir/r4.js';
import { nameLine } from './certificate-chain.js';
import { createDetachedCms } from './cms-signed-data.js';
import { createDetachedJws } from './detached-jws.js';
import type { Signer } from './signer.js';
import { SIGNED_CONTENT_FORMAT, signedContentOf } from './signed-content.js';

export type SignatureFormat = 'jws' | 'cms';

export const SIG_FORMATS: Record<SignatureFormat, string> = { jws: 'application/jose', cms: 'application/pkcs7-signature' };

const ASTM_SIGNATURE_TYPES = 'urn:iso-astm:E1762-95:2013';
/** ASTM E1762 "Source Signature": what the server puts on the bundles it issues. */
export const SOURCE_SIGNATURE: Coding = { system: ASTM_SIGNATURE_TYPES, code: '1.2.840.10065.1.12.1.14', display: 'Source Signature' };
export const AUTHOR_SIGNATURE: Coding = { system: ASTM_SIGNATURE_TYPES, code: '1.2.840.10065.1.12.1.1', display: "Author's Signature" };

export function formatOfSigFormat(sigFormat: string | undefined): SignatureFormat | undefined {
  const mediaType = sigFormat?.split(';')[0]!.trim().toLowerCase();
  return (Object.keys(SIG_FORMATS) as SignatureFormat[]).find((format) => SIG_FORMATS[format] === mediaType);
}

export interface SigningOptions {
  format: SignatureFormat;
  /** Defaults to now. */
  when?: Date;
  /** Defaults to the signing certificate's subject. */
  who?: Reference;
  /** Defaults to the source signature. */
  type?: Coding;
}

/** Signature.when and the times inside the signature agree to the second. */
function wholeSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** The signature data: base64 of the compact detached JWS, or of the DER CMS. */
function signatureData(content: Buffer, signer: Signer, format: SignatureFormat, when: Date): string {
  const signed = format === 'jws' ? Buffer.from(createDetachedJws(content, signer, when)) : createDetachedCms(content, signer, when);
  return signed.toString('base64');
}

/** The Bundle with its signature (replacing none: callers refuse bundles that already carry one). */
export function signBundle(bundle: Bundle, signer: Signer, options: SigningOptions): Bundle {
  const when = wholeSecond(options.when ?? new Date());
  const signature: Signature = {
    type: [options.type ?? SOURCE_SIGNATURE],
    when: when.toISOString().replace('.000Z', 'Z'),
    who: options.who ?? { display: nameLine(signer.chain[0]!.subject) },
    targetFormat: SIGNED_CONTENT_FORMAT,
    sigFormat: SIG_FORMATS[options.format],
    data: signatureData(signedContentOf(bundle), signer, options.format, when),
  };
  return { ...bundle, signature };
}
