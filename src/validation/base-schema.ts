/**
 * Base R4 validation: the official R4 JSON Schema (reshaped by r4-schema.ts) plus the snapshot
 * rules of cardinality.ts and the reference format, compiled with ajv once per resource type on
 * its first use (compiling all 146 types up front takes seconds; the shared datatype
 * definitions are compiled once and reused by every type).
 */
import { Ajv, type ErrorObject, type KeywordDefinition, type ValidateFunction } from 'ajv';
import type { DataValidationCxt } from 'ajv/dist/types/index.js';
import { elementKeyword } from './cardinality.js';
import { issuesOfErrors, resourceTypeIssue } from './base-messages.js';
import type { ValidationIssue } from './issue.js';
import { PRIMITIVE_FORMATS } from './primitive-formats.js';
import { R4_RESOURCE_TYPES } from './r4-element-plan.js';
import { buildR4Schema, REFERENCE_FORMAT, RESOURCE_KEYWORD, SCHEMA_ID, type R4Schema } from './r4-schema.js';
import { isWellFormedReference } from './reference-format.js';

let r4: R4Schema | undefined;
let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/** Validates a resource inside another (contained, Bundle.entry.resource) with its own type's validator. */
function validateInnerResource(_schema: boolean, data: Record<string, unknown>, _parent?: unknown, cxt?: DataValidationCxt): boolean {
  const validate = typeof data.resourceType === 'string' ? validatorFor(data.resourceType) : undefined;
  if (!validate) {
    validateInnerResource.errors = [{ keyword: RESOURCE_KEYWORD, params: { resourceType: data.resourceType } }];
    return false;
  }
  if (validate(data)) return true;
  const at = cxt?.instancePath ?? '';
  validateInnerResource.errors = validate.errors!.map((error) => ({ ...error, instancePath: at + error.instancePath }));
  return false;
}
validateInnerResource.errors = undefined as Partial<ErrorObject>[] | undefined;

const resourceKeyword: KeywordDefinition = { keyword: RESOURCE_KEYWORD, type: 'object', schemaType: 'boolean', errors: true, validate: validateInnerResource };

function engine(): Ajv {
  if (ajv) return ajv;
  r4 = buildR4Schema();
  ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: true,
    validateSchema: false,
    formats: { ...PRIMITIVE_FORMATS, [REFERENCE_FORMAT]: { type: 'string', validate: isWellFormedReference } },
    keywords: [elementKeyword, resourceKeyword],
  });
  ajv.addSchema(r4.schema);
  return ajv;
}

function validatorFor(type: string): ValidateFunction | undefined {
  if (!R4_RESOURCE_TYPES.has(type)) return undefined;
  let validate = validators.get(type);
  if (!validate) {
    validate = engine().getSchema(`${SCHEMA_ID}#/definitions/${type}`)!;
    validators.set(type, validate);
  }
  return validate;
}

/** Every way the resource breaks the R4 base definitions, one issue per location. */
export function validateBase(resource: unknown): ValidationIssue[] {
  const type = (resource as { resourceType?: unknown } | null)?.resourceType;
  const validate = typeof resource === 'object' && !Array.isArray(resource) && typeof type === 'string' ? validatorFor(type) : undefined;
  if (!validate) return [resourceTypeIssue('Resource.resourceType', type)];
  if (validate(resource)) return [];
  return issuesOfErrors(type as string, resource, validate.errors!, r4!);
}
