/** Small facts about parsed FHIR JSON that the invariant checks share. */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value FHIRPath would see: not absent, not null, not an empty array. */
export function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

/**
 * The same text as a V8 internalized string. Keys sliced out of element paths are not, and a
 * property lookup with such a key must first find its internalized twin.
 */
export function internalized(text: string): string {
  return Object.keys({ [text]: 0 })[0];
}
