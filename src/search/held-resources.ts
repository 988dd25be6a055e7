/**
 * Reference parameters whose expression selects a resource held inside the resource, not a
 * Reference to one: R4's Bundle `composition` and `message` (Bundle.entry[0].resource, "provides
 * access to search its contents"). The held resource is not stored on its own, so a chain into it
 * (`composition.subject=Patient/1`) cannot run an inner search on its type's collection. Instead
 * the bundle stores the held resource's own index entries with their parameter codes prefixed
 * (`composition.subject`), and parse.ts turns the chain into a plain clause on them.
 */
import type { Resource } from 'fhir/r4.js';
import r4model from 'fhirpath/fhir-context/r4/index.js';
import type { SearchParameterDef } from './types.js';
import type { TypedValue } from './expressions.js';
import { splitUnion } from './fhirpath-union.js';

const model = r4model as unknown as { path2Type: Record<string, string> };
const INDEXER = /\[\d+\]/g;

/** Whether every part of an expression selects elements of type Resource in the R4 model. */
export function selectsResources(expression: string): boolean {
  return splitUnion(expression).every((part) => model.path2Type[part.trim().replace(INDEXER, '')] === 'Resource');
}

/** The code under which the bundle indexes, and a search names, parameter `code` of what `holder` holds. */
export function heldCode(holder: string, code: string): string {
  return `${holder}.${code}`;
}

/** The resources among a holding parameter's values that are of one of its target types. */
export function heldResources(def: SearchParameterDef, values: readonly TypedValue[]): Resource[] {
  return values.flatMap(({ value }) => {
    const type = (value as { resourceType?: unknown } | null)?.resourceType;
    if (typeof type !== 'string' || (def.target && !def.target.includes(type))) return [];
    return [value as Resource];
  });
}
