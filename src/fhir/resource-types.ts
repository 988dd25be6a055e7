import { readFileSync } from 'node:fs';
import { FhirError } from './errors.js';

interface ResourceDefinition {
  summary: string[];
  mandatory: string[];
}

const definitions = JSON.parse(
  readFileSync(new URL('./r4-resource-definitions.json', import.meta.url), 'utf8'),
) as Record<string, ResourceDefinition>;

/** Every concrete R4 resource type the server stores, in alphabetical order. */
export const RESOURCE_TYPES: readonly string[] = Object.keys(definitions).sort();

const known = new Set(RESOURCE_TYPES);

export function isResourceType(type: string): boolean {
  return known.has(type);
}

export function assertResourceType(type: string): void {
  if (!known.has(type)) throw new FhirError('FHIR_ERR_TYPE_UNKNOWN', [type]);
}

export function summaryElements(type: string): readonly string[] {
  return definitions[type]?.summary ?? [];
}

export function mandatoryElements(type: string): readonly string[] {
  return definitions[type]?.mandatory ?? [];
}
