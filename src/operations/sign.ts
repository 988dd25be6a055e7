/**
 * $sign: GET|POST [base]/Bundle/[id]/$sign answers the stored Bundle signed by the server (it
 * stores nothing). `format` (jws or cms, or their media types) in the query or in Parameters
 * picks the signature format; SIGNATURE_FORMAT is the default. A Bundle that already carries a
 * signature is refused with 409.
 */
import type { Bundle, Parameters } from 'fhir/r4.js';
import { FhirError } from '../fhir/errors.js';
import { assertValidId } from '../fhir/ids.js';
import { formatOfSigFormat, type SignatureFormat } from '../services/signing/bundle-signature.js';
import { resourceOf } from '../services/stored-document.js';
import type { FhirRequest, FhirResponse } from '../http/fhir-request.js';
import type { ServerContext } from '../http/server-context.js';
import { assertBundleType } from './verify.js';

export function signatureFormatParameter(raw: string | undefined, fallback: SignatureFormat): SignatureFormat {
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'jws' || raw === 'cms') return raw;
  const format = formatOfSigFormat(raw);
  if (!format) throw new FhirError('FHIR_ERR_PARAM_INVALID', ['format', `${raw.slice(0, 60)} (jws, cms, application/jose or application/pkcs7-signature)`]);
  return format;
}

function formatAsked(request: FhirRequest): string | undefined {
  const body = request.body as Parameters | undefined;
  const fromBody = body?.resourceType === 'Parameters' ? body.parameter?.find((p) => p.name === 'format') : undefined;
  return fromBody?.valueCode ?? fromBody?.valueString ?? request.query.get('format') ?? undefined;
}

export async function sign(request: FhirRequest, context: ServerContext): Promise<FhirResponse> {
  assertBundleType(request, '$sign');
  assertValidId(request.id!);
  const format = signatureFormatParameter(formatAsked(request), context.signing.defaultFormat);
  const version = await context.repository.read('Bundle', request.id!);
  const signed = context.signing.sign(resourceOf(version) as Bundle, `Bundle/${request.id}`, { format });
  return { status: 200, body: signed, version };
}
