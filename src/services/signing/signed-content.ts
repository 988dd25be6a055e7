import type { Bundle } from 'fhir/r4.js';
import { canonicalJson } from './canonical-json.js';

/** Bundle.signature.targetFormat: what the signature covers. */
export const SIGNED_CONTENT_FORMAT = 'application/fhir+json;canonicalization=http://hl7.org/fhir/canonicalization/json';

/** The bytes a Bundle signature covers: the canonical JSON of the Bundle without id, meta and signature. */
export function signedContentOf(bundle: Bundle): Buffer {
  const { id: _id, meta: _meta, signature: _signature, ...content } = bundle;
  return Buffer.from(canonicalJson(content), 'utf8');
}
