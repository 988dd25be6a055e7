/**
 * Verifies Bundle.signature: the signature value over the Bundle's canonical content, the signer's
 * chain to a trusted CA, and each certificate's validity at Signature.when. The answer lists every
 * problem found (each a FhirError saying which), so $verify can report them and intake can
 * reject with the first.
 */
import type { Bundle, Signature } from 'fhir/r4.js';
import type { X509Certificate } from 'node:crypto';
import { FhirError } from '../../fhir/errors.js';
import { formatOfSigFormat, type SignatureFormat } from './bundle-signature.js';
import { checkChain, nameLine, type ChainCheck } from './certificate-chain.js';
import { CmsFormatError, checkDetachedCms, parseDetachedCms } from './cms-signed-data.js';
import { JwsFormatError, checkDetachedJws, parseDetachedJws } from './detached-jws.js';
import { signedContentOf } from './signed-content.js';

export interface SignatureVerification {
  valid: boolean;
  format?: SignatureFormat;
  signer?: X509Certificate;
  chain?: ChainCheck;
  when?: Date;
  problems: FhirError[];
}

/** What a signature value says about the content, whatever its format. */
interface ValueCheck {
  signer: X509Certificate;
  carried: X509Certificate[];
  contentChanged: boolean;
  signatureValid: boolean;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function malformed(reason: string): FhirError {
  return new FhirError('FHIR_ERR_SIGNATURE_MALFORMED', [reason], ['Bundle.signature']);
}

function dataOf(signature: Signature): Buffer {
  const data = signature.data?.replace(/\s+/g, '');
  if (!data) throw malformed('Signature.data is missing');
  if (!BASE64.test(data)) throw malformed('Signature.data is not base64');
  return Buffer.from(data, 'base64');
}

function whenOf(signature: Signature): Date {
  const when = signature.when ? new Date(signature.when) : undefined;
  if (!when || Number.isNaN(when.getTime())) throw malformed(`Signature.when ${signature.when === undefined ? 'is missing' : 'is not an instant'}`);
  return when;
}

function checkJwsValue(data: Buffer, content: Buffer): ValueCheck {
  const jws = parseDetachedJws(data.toString('latin1'));
  const check = checkDetachedJws(jws, content);
  return { signer: jws.certificates[0]!, carried: jws.certificates.slice(1), contentChanged: check.payloadMatchesDigest === false, signatureValid: check.signatureValid };
}

function checkCmsValue(data: Buffer, content: Buffer): ValueCheck {
  const cms = parseDetachedCms(data);
  if (!cms.signerCertificate) throw malformed("the CMS signature does not carry the signer's certificate");
  const check = checkDetachedCms(cms, content);
  const carried = cms.certificates.filter((certificate) => certificate !== cms.signerCertificate);
  return { signer: cms.signerCertificate, carried, contentChanged: !check.contentMatches, signatureValid: check.signatureValid };
}

function checkValue(format: SignatureFormat, data: Buffer, content: Buffer): ValueCheck {
  try {
    return format === 'jws' ? checkJwsValue(data, content) : checkCmsValue(data, content);
  } catch (err) {
    if (err instanceof JwsFormatError || err instanceof CmsFormatError) throw malformed(err.message);
    throw err;
  }
}

function valueProblems(value: ValueCheck): FhirError[] {
  if (value.contentChanged) return [new FhirError('FHIR_ERR_SIGNATURE_CONTENT_CHANGED', [], ['Bundle'])];
  if (!value.signatureValid) return [new FhirError('FHIR_ERR_SIGNATURE_INVALID', [nameLine(value.signer.subject)], ['Bundle.signature.data'])];
  return [];
}

function chainProblems(chain: ChainCheck, when: Date): FhirError[] {
  const problems: FhirError[] = [];
  if (chain.status === 'untrusted') problems.push(new FhirError('FHIR_ERR_SIGNATURE_UNTRUSTED', [chain.untrustedBecause], ['Bundle.signature']));
  const expired = chain.notValidAtSigningTime;
  if (expired) {
    const args = [nameLine(expired.subject), when.toISOString(), new Date(expired.validFrom).toISOString(), new Date(expired.validTo).toISOString()];
    problems.push(new FhirError('FHIR_ERR_SIGNATURE_CERTIFICATE_NOT_VALID', args, ['Bundle.signature.when']));
  }
  return problems;
}

function verifyPresent(bundle: Bundle, signature: Signature, anchors: readonly X509Certificate[]): SignatureVerification {
  const format = formatOfSigFormat(signature.sigFormat);
  if (!format) throw new FhirError('FHIR_ERR_SIGNATURE_FORMAT_UNSUPPORTED', [String(signature.sigFormat ?? '(none)').slice(0, 80)], ['Bundle.signature.sigFormat']);
  const when = whenOf(signature);
  const value = checkValue(format, dataOf(signature), signedContentOf(bundle));
  const chain = checkChain(value.signer, value.carried, anchors, when);
  const problems = [...valueProblems(value), ...chainProblems(chain, when)];
  return { valid: problems.length === 0, format, signer: value.signer, chain, when, problems };
}

export function verifyBundleSignature(bundle: Bundle, anchors: readonly X509Certificate[]): SignatureVerification {
  if (!bundle.signature) return { valid: false, problems: [new FhirError('FHIR_ERR_SIGNATURE_MISSING', [], ['Bundle.signature'])] };
  try {
    return verifyPresent(bundle, bundle.signature, anchors);
  } catch (err) {
    if (err instanceof FhirError) return { valid: false, format: formatOfSigFormat(bundle.signature.sigFormat), problems: [err] };
    throw err;
  }
}
