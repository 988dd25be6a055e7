import type { Bundle } from 'fhir/r4.js';
import { FhirError } from '../fhir/errors.js';
import { signatureFormatParameter } from '../operations/sign.js';
import type { FhirRequest, FhirResponse } from './fhir-request.js';
import { bodyText } from './send.js';
import type { ServerContext } from './server-context.js';

/** `_signed=true` on a read of a Bundle, a search or a history: whether the answer is to be signed. */
export function asksForSignature(request: FhirRequest): boolean {
  const raw = request.query.get('_signed');
  if (raw === null || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new FhirError('FHIR_ERR_PARAM_INVALID', ['_signed', `${raw.slice(0, 40)} (true or false)`]);
}

/**
 * The answer with its Bundle signed by the server, after _summary/_elements have shaped it (the
 * signature covers what the client receives). `_signatureFormat` picks jws or cms. Errors pass unchanged.
 */
export function signedResponse(request: FhirRequest, response: FhirResponse, context: ServerContext): FhirResponse {
  if (response.status >= 300) return response;
  const text = bodyText(request, response);
  const body = text === undefined ? undefined : (JSON.parse(text) as { resourceType?: string });
  if (body?.resourceType !== 'Bundle') throw new FhirError('FHIR_ERR_SIGNED_NOT_BUNDLE', [body?.resourceType ?? 'empty body']);
  const format = signatureFormatParameter(request.query.get('_signatureFormat') ?? undefined, context.signing.defaultFormat);
  const what = response.version ? `Bundle/${response.version.id}` : 'This Bundle';
  return { status: response.status, version: response.version, body: context.signing.sign(body as Bundle, what, { format }) };
}
