import type { Binary } from 'fhir/r4.js';
import { FhirError } from './errors.js';

const JSON_PATCH = 'application/json-patch+json';

/**
 * The JSON Patch a Bundle entry carries: a Binary with contentType application/json-patch+json
 * and the patch document in data (http.html#patch, "Patch using Transaction").
 */
export function jsonPatchOfBinary(resource: unknown): unknown {
  const binary = resource as Binary | undefined;
  const contentType = binary?.contentType?.split(';')[0]?.trim().toLowerCase();
  if (binary?.resourceType !== 'Binary' || contentType !== JSON_PATCH || typeof binary.data !== 'string') {
    throw new FhirError('FHIR_ERR_PATCH_ENTRY_FORMAT');
  }
  try {
    return JSON.parse(Buffer.from(binary.data, 'base64').toString('utf8'));
  } catch (err) {
    throw new FhirError('FHIR_ERR_PATCH_INVALID', [`Binary.data is not base64 of a JSON document (${(err as Error).message.slice(0, 100)})`]);
  }
}
