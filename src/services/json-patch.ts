import type { Resource } from 'fhir/r4.js';
import jsonPatch from 'fast-json-patch';
import { FhirError } from '../fhir/errors.js';

/** fast-json-patch error names that mean the patch document itself is malformed (400, not 422). */
const MALFORMED = new Set([
  'SEQUENCE_NOT_AN_ARRAY', 'OPERATION_NOT_AN_OBJECT', 'OPERATION_OP_INVALID', 'OPERATION_PATH_INVALID',
  'OPERATION_FROM_REQUIRED', 'OPERATION_VALUE_REQUIRED', 'OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED',
]);

/** Applies an RFC 6902 JSON Patch to a copy of the resource (the stored one is never touched). */
export function applyJsonPatch(resource: Resource, patch: unknown): Resource {
  if (!Array.isArray(patch)) throw new FhirError('FHIR_ERR_PATCH_INVALID', ['the body must be a JSON array of operations']);
  let patched: Resource;
  try {
    patched = jsonPatch.applyPatch(jsonPatch.deepClone(resource), patch, true, true).newDocument as Resource;
  } catch (err) {
    const name = (err as { name?: string }).name ?? 'error';
    const index = (err as { index?: number }).index;
    const where = index === undefined ? name : `${name} at operation ${index}`;
    throw new FhirError(MALFORMED.has(name) ? 'FHIR_ERR_PATCH_INVALID' : 'FHIR_ERR_PATCH_FAILED', [where]);
  }
  if (patched?.resourceType !== resource.resourceType || patched.id !== resource.id) {
    throw new FhirError('FHIR_ERR_PATCH_CHANGES_IDENTITY');
  }
  return patched;
}
