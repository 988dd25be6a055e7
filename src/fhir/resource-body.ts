import type { Resource } from 'fhir/r4.js';
import { FhirError } from './errors.js';
import { assertBundleRules } from './bundle-rules.js';
import { assertValidId } from './ids.js';
import { assertResourceType } from './resource-types.js';

/**
 * Rejects, wherever they stand, property names that a MongoDB server would read as operators
 * and the names of prototype-pollution attacks (the body is parsed with plain JSON.parse).
 */
export function assertNoOperatorKeys(value: unknown): void {
  const bad = forbiddenKeyPath(value);
  if (!bad) return;
  const key = bad[bad.length - 1] as string;
  const at = bad.map((step, i) => (typeof step === 'number' ? `[${step}]` : i === 0 ? step : `.${step}`)).join('').slice(0, 200);
  if (key.startsWith('$')) throw new FhirError('FHIR_ERR_DOLLAR_KEY', [at], [at]);
  throw new FhirError('FHIR_ERR_PROTO_KEY', [key, at], [at]);
}

/** The path to the first key that could be read as an operator or reach a prototype, or null. */
function forbiddenKeyPath(value: unknown): (string | number)[] | null {
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const below = forbiddenKeyPath(value[i]);
      if (below) return [i, ...below];
    }
    return null;
  }
  for (const key in value) {
    if (key.startsWith('$') || key === '__proto__' || key === 'constructor' || key === 'prototype') return [key];
    const below = forbiddenKeyPath((value as Record<string, unknown>)[key]);
    if (below) return [key, ...below];
  }
  return null;
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
  if (type === 'Bundle') assertBundleRules(body);
  return body as Resource;
}
