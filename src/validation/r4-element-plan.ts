/**
 * The rules of the R4 StructureDefinition snapshots that the JSON Schema lacks, precomputed by
 * scripts/generate-element-plan.ts into r4-element-plan.json, keyed by schema definition name.
 */
import { readFileSync } from 'node:fs';

export interface DefinitionPlan {
  /** Each required element as the property names that satisfy it (`status`, `_status`). */
  required?: string[][];
  /** The variants of each choice element; at most one may be present. */
  choices?: string[][];
  /** The value set of each required binding the schema spells out as an enum. */
  valueSets?: Record<string, string>;
}

interface ElementPlanFile {
  resourceTypes: string[];
  backbonePaths: Record<string, string>;
  /** Schema properties that are not R4 (Medplum's additions). */
  notInR4: string[];
  /** Schema enums made of bindings that are not required: checked as plain codes. */
  notRequiredEnums: string[];
  definitions: Record<string, DefinitionPlan>;
}

export const ELEMENT_PLAN = JSON.parse(readFileSync(new URL('./r4-element-plan.json', import.meta.url), 'utf8')) as ElementPlanFile;

/** Every R4 resource type (Parameters included, Medplum's own types not). */
export const R4_RESOURCE_TYPES: ReadonlySet<string> = new Set(ELEMENT_PLAN.resourceTypes);
