/**
 * ajv's errors against the R4 schema turned into ValidationIssues a sending system's developer
 * can act on: the FHIRPath of the element, what the element must be in words (the FHIR type,
 * its format, the allowed codes), and what was sent. One location gives one issue.
 */
import type { ErrorObject } from 'ajv';
import type { ElementRuleError } from './cardinality.js';
import { ELEMENT_KEYWORD } from './cardinality.js';
import { fhirPathOfPointer, issueOf, type ValidationIssue } from './issue.js';
import { PRIMITIVE_SHAPES } from './primitive-formats.js';
import { ELEMENT_PLAN } from './r4-element-plan.js';
import { REFERENCE_FORMAT, RESOURCE_KEYWORD, type R4Schema } from './r4-schema.js';
import { referenceProblem } from './reference-format.js';

interface Text {
  en: string;
  ru: string;
}

interface Context {
  rootType: string;
  resource: unknown;
  r4: R4Schema;
}

type SchemaObject = Record<string, unknown>;

const MAX_LISTED_CODES = 12;
const escapeStep = (name: string): string => name.replace(/~/g, '~0').replace(/\//g, '~1');

function valueAt(root: unknown, pointer: string): unknown {
  let value = root;
  for (const step of pointer.split('/').slice(1)) {
    value = (value as Record<string, unknown> | undefined)?.[step.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return value;
}

/** What was sent, for "got ...". */
function sent(value: unknown): Text {
  if (value === null) return { en: 'null', ru: 'null' };
  if (Array.isArray(value)) return { en: 'an array', ru: 'массив' };
  switch (typeof value) {
    case 'string': {
      const shown = JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
      return { en: `the string ${shown}`, ru: `строка ${shown}` };
    }
    case 'number': return { en: `the number ${value}`, ru: `число ${value}` };
    case 'boolean': return { en: `the boolean ${value}`, ru: `логическое значение ${value}` };
    default: return { en: 'an object', ru: 'объект' };
  }
}

/** "a date (YYYY...)", "a CodeableConcept (a JSON object)", "an array of HumanName". */
function shapeOfType(type: string): Text {
  if (PRIMITIVE_SHAPES[type]) return PRIMITIVE_SHAPES[type]!;
  if (type === 'ResourceList') return { en: 'a resource (a JSON object with a resourceType)', ru: 'ресурсом (объект JSON с resourceType)' };
  const name = ELEMENT_PLAN.backbonePaths[type] ?? type;
  return { en: `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name} (a JSON object)`, ru: `объектом ${name}` };
}

function typeNameOf(node: SchemaObject, ctx: Context): string {
  const ref = node.$ref as string | undefined;
  return ref ? ref.slice('#/definitions/'.length) : (ctx.r4.definitionNames.get(node) ?? 'value');
}

function shapeOfSchema(node: SchemaObject, ctx: Context): Text {
  if (node.type === 'array') {
    const item = typeNameOf(node.items as SchemaObject, ctx);
    const itemName = ELEMENT_PLAN.backbonePaths[item] ?? item;
    return { en: `an array of ${itemName}`, ru: `массивом элементов ${itemName}` };
  }
  return shapeOfType(typeNameOf(node, ctx));
}

function mustBe(expression: string, shape: Text, value: unknown): Text {
  const got = sent(value);
  return { en: `${expression} must be ${shape.en}, got ${got.en}`, ru: `Значение ${expression} должно быть ${shape.ru}, получено: ${got.ru}` };
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** A hint for a misspelt or untyped element name: `valueQuanity` -> valueQuantity, `value` -> valueQuantity, valueString... */
function nameHint(name: string, owner: string, known: string[]): Text {
  const variants = ELEMENT_PLAN.definitions[owner]?.choices?.find((group) => group[0]!.startsWith(name) && /^[A-Z]/.test(group[0]!.slice(name.length)));
  if (variants) {
    const list = variants.slice(0, 6).join(', ') + (variants.length > 6 ? ', ...' : '');
    return { en: ` (${name}[x] is a choice: put the type in the name, e.g. ${list})`, ru: ` (${name}[x] — элемент выбора: тип указывается в имени, например ${list})` };
  }
  const lower = name.toLowerCase();
  const close = known.find((k) => k.toLowerCase() === lower) ?? known.find((k) => !k.startsWith('_') && editDistance(k.toLowerCase(), lower) <= 2);
  return close ? { en: ` (did you mean ${close}?)`, ru: ` (возможно, имелось в виду ${close}?)` } : { en: '', ru: '' };
}

function unknownElement(error: ErrorObject, ctx: Context): ValidationIssue {
  const name = (error.params as { additionalProperty: string }).additionalProperty;
  const expression = fhirPathOfPointer(ctx.rootType, `${error.instancePath}/${escapeStep(name)}`);
  const ownerSchema = error.parentSchema as SchemaObject;
  const owner = ctx.r4.definitionNames.get(ownerSchema) ?? 'this element';
  const ownerName = ELEMENT_PLAN.backbonePaths[owner] ?? owner;
  const hint = nameHint(name, owner, Object.keys(ownerSchema.properties as SchemaObject));
  return issueOf('error', 'structure', 'VAL_UNKNOWN_ELEMENT', expression,
    `${expression} is not an element of ${ownerName}${hint.en}`, `${expression} не является элементом ${ownerName}${hint.ru}`);
}

function wrongType(error: ErrorObject, ctx: Context): ValidationIssue {
  const expression = fhirPathOfPointer(ctx.rootType, error.instancePath);
  const value = valueAt(ctx.resource, error.instancePath);
  const text = mustBe(expression, shapeOfSchema(error.parentSchema as SchemaObject, ctx), value);
  const wrongNumber = typeof value === 'number' && (error.params as { type: string }).type === 'integer';
  return wrongNumber
    ? issueOf('error', 'value', 'VAL_PRIMITIVE_FORMAT', expression, text.en, text.ru)
    : issueOf('error', 'structure', 'VAL_TYPE', expression, text.en, text.ru);
}

function badFormat(error: ErrorObject, ctx: Context): ValidationIssue {
  const expression = fhirPathOfPointer(ctx.rootType, error.instancePath);
  const value = valueAt(ctx.resource, error.instancePath);
  const format = (error.params as { format?: string }).format;
  if (format === REFERENCE_FORMAT) {
    const problem = referenceProblem(String(value))!;
    const shown = JSON.stringify(value);
    return issueOf('error', 'value', 'VAL_REFERENCE_FORMAT', expression,
      `${expression} ${shown} is not a valid reference: ${problem.en}`, `${expression} ${shown} не является допустимой ссылкой: ${problem.ru}`);
  }
  const type = format ?? typeNameOf(error.parentSchema as SchemaObject, ctx);
  const text = mustBe(expression, shapeOfType(type), value);
  return issueOf('error', 'value', 'VAL_PRIMITIVE_FORMAT', expression, text.en, text.ru);
}

function badCode(error: ErrorObject, ctx: Context): ValidationIssue {
  const expression = fhirPathOfPointer(ctx.rootType, error.instancePath);
  const got = sent(valueAt(ctx.resource, error.instancePath));
  const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.filter((code) => code !== null);
  const valueSet = ctx.r4.valueSetOfEnum.get(error.parentSchema as object);
  const binding: Text = valueSet ? { en: ` (required binding to ${valueSet})`, ru: ` (обязательная привязка к ${valueSet})` } : { en: '', ru: '' };
  const text: Text = allowed.length <= MAX_LISTED_CODES
    ? { en: `${expression} must be one of ${allowed.join(', ')}${binding.en}, got ${got.en}`, ru: `Значение ${expression} должно быть одним из кодов ${allowed.join(', ')}${binding.ru}, получено: ${got.ru}` }
    : { en: `${expression} must be one of the ${allowed.length} codes allowed here${binding.en}, got ${got.en}`, ru: `Значение ${expression} должно быть одним из ${allowed.length} допустимых кодов${binding.ru}, получено: ${got.ru}` };
  return issueOf('error', 'code-invalid', 'VAL_CODE_INVALID', expression, text.en, text.ru);
}

/** `occurrence` for [occurrenceDateTime, occurrenceString]; undefined for a single element. */
function choiceStem(names: string[]): string | undefined {
  const variants = names.filter((name) => !name.startsWith('_'));
  if (variants.length < 2) return undefined;
  for (let end = Math.min(...variants.map((v) => v.length)); end > 0; end--) {
    const stem = variants[0]!.slice(0, end);
    if (variants.every((v) => v.startsWith(stem) && /[A-Z]/.test(v[end] ?? ''))) return stem;
  }
  return undefined;
}

function elementRule(error: ErrorObject, ctx: Context): ValidationIssue {
  const params = error.params as ElementRuleError;
  const at = fhirPathOfPointer(ctx.rootType, error.instancePath);
  if (params.rule === 'empty') {
    return issueOf('error', 'invariant', 'VAL_EMPTY_ELEMENT', at,
      `${at} is empty: an element must have a value or child elements (ele-1)`, `${at} пуст: элемент должен иметь значение или дочерние элементы (ele-1)`);
  }
  if (params.rule === 'choice') {
    const stem = choiceStem(params.present)!;
    return issueOf('error', 'structure', 'VAL_CHOICE_MULTIPLE', `${at}.${stem}`,
      `${at} has ${params.present.join(' and ')}: ${stem}[x] takes one type only`, `${at} содержит ${params.present.join(' и ')}: ${stem}[x] допускает только один тип`);
  }
  if (params.rule === 'misaligned') {
    const expression = `${at}.${params.name}`;
    return issueOf('error', 'structure', 'VAL_PRIMITIVE_ARRAY', expression,
      `${expression} has ${params.values} items but ${at}._${params.name} has ${params.extensions}: the two arrays must line up item by item`,
      `${expression} содержит элементов: ${params.values}, а ${at}._${params.name} — ${params.extensions}: массивы должны совпадать поэлементно`);
  }
  if (params.rule === 'null') {
    const expression = `${at}.${params.name}[${params.index}]`;
    return issueOf('error', 'structure', 'VAL_PRIMITIVE_ARRAY', expression,
      `${expression} has neither a value nor extensions (in _${params.name}); null is only a placeholder for an item whose other half is given`,
      `${expression} не имеет ни значения, ни расширений (в _${params.name}); null допускается только на месте элемента, у которого задана другая половина`);
  }
  const stem = choiceStem(params.names);
  if (stem) {
    const variants = params.names.filter((name) => !name.startsWith('_')).join(', ');
    return issueOf('error', 'required', 'VAL_CARDINALITY_MIN', `${at}.${stem}`,
      `${at}.${stem}[x] is required but missing: give one of ${variants}`, `Отсутствует обязательный элемент ${at}.${stem}[x]: укажите один из вариантов ${variants}`);
  }
  return issueOf('error', 'required', 'VAL_CARDINALITY_MIN', `${at}.${params.names[0]}`,
    `${at}.${params.names[0]} is required (min 1) but missing`, `Отсутствует обязательный элемент ${at}.${params.names[0]} (минимальная кардинальность 1)`);
}

function innerResource(error: ErrorObject, ctx: Context): ValidationIssue {
  const expression = fhirPathOfPointer(ctx.rootType, error.instancePath);
  const type = (error.params as { resourceType: unknown }).resourceType;
  return resourceTypeIssue(expression, type);
}

export function resourceTypeIssue(expression: string, type: unknown): ValidationIssue {
  return typeof type === 'string'
    ? issueOf('error', 'structure', 'VAL_RESOURCE_TYPE', expression, `${expression} has resourceType "${type}", which is not an R4 resource type`, `${expression}: resourceType "${type}" не является типом ресурса R4`)
    : issueOf('error', 'structure', 'VAL_RESOURCE_TYPE', expression, `${expression} must be a resource: a JSON object with a resourceType`, `${expression} должен быть ресурсом: объектом JSON с resourceType`);
}

function emptyArray(error: ErrorObject, ctx: Context): ValidationIssue {
  const expression = fhirPathOfPointer(ctx.rootType, error.instancePath);
  return issueOf('error', 'structure', 'VAL_EMPTY_ARRAY', expression,
    `${expression} is an empty array: leave the element out instead`, `${expression} — пустой массив: пустой элемент нужно не передавать вовсе`);
}

function otherError(error: ErrorObject, ctx: Context): ValidationIssue {
  const expression = fhirPathOfPointer(ctx.rootType, error.instancePath);
  return issueOf('error', 'structure', 'VAL_SCHEMA', expression, `${expression}: ${error.message ?? error.keyword}`, `${expression}: ${error.message ?? error.keyword}`);
}

function issueOfError(error: ErrorObject, ctx: Context): ValidationIssue {
  switch (error.keyword) {
    case 'additionalProperties': return unknownElement(error, ctx);
    case 'type': return wrongType(error, ctx);
    case 'format':
    case 'minimum':
    case 'maximum': return badFormat(error, ctx);
    case 'enum': return badCode(error, ctx);
    case 'minItems': return emptyArray(error, ctx);
    case ELEMENT_KEYWORD: return elementRule(error, ctx);
    case RESOURCE_KEYWORD: return innerResource(error, ctx);
    default: return otherError(error, ctx);
  }
}

/** The issues of one validation, one per location (the first ajv reports there), in ajv's order. */
export function issuesOfErrors(rootType: string, resource: unknown, errors: readonly ErrorObject[], r4: R4Schema): ValidationIssue[] {
  const ctx: Context = { rootType, resource, r4 };
  const byExpression = new Map<string, ValidationIssue>();
  for (const error of errors) {
    const issue = issueOfError(error, ctx);
    if (!byExpression.has(issue.expression)) byExpression.set(issue.expression, issue);
  }
  return [...byExpression.values()];
}
