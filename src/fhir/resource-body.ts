import type { Resource } from 'fhir/r4.js';
import { FhirError } from './errors.js';
import { assertValidId } from './ids.js';
import { assertResourceType } from './resource-types.js';

/**
 * Rejects, wherever they stand, property names that a MongoDB server would read as operators
 * and the names of prototype-pollution attacks (the body is parsed with plain JSON.parse).
 */
export function assertNoOperatorKeys(value: unknown, path = ''): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertNoOperatorKeys(item, `${path}[${i}]`));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (key.startsWith('$')) throw new FhirError('FHIR_ERR_DOLLAR_KEY', [at.slice(0, 200)], [at.slice(0, 200)]);
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      throw new FhirError('FHIR_ERR_PROTO_KEY', [key, at.slice(0, 200)], [at.slice(0, 200)]);
    }
    assertNoOperatorKeys(child, at);
  }
}

/** The shape every stored resource must have before any profile validation: an object of a known type. */
export function assertResource(body: unknown, expectedType?: string): Resource {
  if (body === undefined || body === null || body === '') throw new FhirError('FHIR_ERR_BODY_MISSING');
  if (typeof body !== 'object' || Array.isArray(body)) throw new FhirError('FHIR_ERR_BODY_NOT_RESOURCE');
  const type = (body as { resourceType?: unknown }).resourceType;
  if (typeof type !== 'string') throw new FhirError('FHIR_ERR_BODY_NOT_RESOURCE');
  if (expectedType && type !== expectedType) {
    throw new FhirError('FHIR_ERR_RESOURCE_TYPE_MISMATCH', [type.slice(0, 64), expectedType]);
  }
  assertResourceType(type);
  const id = (body as { id?: unknown }).id;
  if (id !== undefined) {
    if (typeof id !== 'string') throw new FhirError('FHIR_ERR_ID_INVALID', [String(id)]);
    assertValidId(id);
  }
  assertNoOperatorKeys(body);
  return body as Resource;
}
