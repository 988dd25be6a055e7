/**
 * The element rules the R4 JSON Schema cannot state, as an ajv keyword run on every object the
 * schema types: required elements (min 1; a primitive counts as given when only its `_name`
 * extension part is there), at most one variant of a choice element (value[x]), and no empty
 * elements (ele-1: an element must have a value or children other than id), and arrays of
 * primitives that line up with their `_name` arrays: `null` in either is only a placeholder for
 * an item that has its value or its extensions in the other. The rules come precomputed from the
 * snapshots (r4-element-plan.json), so checking is a few property lookups.
 */
import type { ErrorObject, KeywordDefinition } from 'ajv';

export interface ElementRules {
  required?: string[][];
  choices?: string[][];
  /** An element (not a resource): it must not be empty. */
  element?: boolean;
  /** The arrays of primitives (`given`), which may hold nulls matched by their `_given`. */
  primitiveArrays?: string[];
}

export type ElementRuleError =
  | { rule: 'empty' }
  | { rule: 'required'; names: string[] }
  | { rule: 'choice'; present: string[] }
  | { rule: 'misaligned'; name: string; values: number; extensions: number }
  | { rule: 'null'; name: string; index: number };

export const ELEMENT_KEYWORD = 'fhirElement';

type Errors = Partial<ErrorObject<typeof ELEMENT_KEYWORD, ElementRuleError>>[];

function errorOf(params: ElementRuleError): Errors[number] {
  return { keyword: ELEMENT_KEYWORD, params };
}

// The checks below run for every object of every resource: plain loops, no closures per call.
function hasAny(data: Record<string, unknown>, names: string[]): boolean {
  for (const name of names) if (data[name] !== undefined) return true;
  return false;
}

/** Each property name of a choice variant (valueString, _valueString) to its choice's index. */
function choiceIndex(choices: string[][]): Map<string, number> {
  const index = new Map<string, number>();
  choices.forEach((variants, i) => {
    for (const name of variants) index.set(name, i).set(`_${name}`, i);
  });
  return index;
}

function hasChild(data: Record<string, unknown>): boolean {
  for (const key in data) if (key !== 'id') return true;
  return false;
}

/** The variants of each choice the object uses, when it uses more than one. */
function choiceClashes(data: Record<string, unknown>, variantChoice: Map<string, number>): string[][] | undefined {
  let used: Map<number, string[]> | undefined;
  let clash = false;
  for (const key in data) {
    const choice = variantChoice.get(key);
    if (choice === undefined) continue;
    const variant = key.startsWith('_') ? key.slice(1) : key;
    const present = (used ??= new Map()).get(choice);
    if (!present) used.set(choice, [variant]);
    else if (!present.includes(variant)) {
      present.push(variant);
      clash = true;
    }
  }
  return clash ? [...used!.values()].filter((present) => present.length > 1) : undefined;
}

/** `given: ["a", null], _given: [null, {...}]` is fine; an index with neither, or arrays of two lengths, are not. */
function primitiveArrayErrors(data: Record<string, unknown>, arrays: [string, string][], errors: Errors | undefined): Errors | undefined {
  for (const [name, extensionName] of arrays) {
    const values = data[name];
    const extensions = data[extensionName];
    if (!Array.isArray(values) && !Array.isArray(extensions)) continue;
    const valueList = Array.isArray(values) ? values : [];
    const extensionList = Array.isArray(extensions) ? extensions : [];
    if (Array.isArray(values) && Array.isArray(extensions) && values.length !== extensions.length) {
      (errors ??= []).push(errorOf({ rule: 'misaligned', name, values: values.length, extensions: extensions.length }));
      continue;
    }
    const length = Math.max(valueList.length, extensionList.length);
    for (let index = 0; index < length; index++) {
      if ((valueList[index] ?? null) === null && (extensionList[index] ?? null) === null) (errors ??= []).push(errorOf({ rule: 'null', name, index }));
    }
  }
  return errors;
}

function checkerOf(rules: ElementRules) {
  const required = rules.required ?? [];
  const primitiveArrays = (rules.primitiveArrays ?? []).map((name): [string, string] => [name, `_${name}`]);
  const variantChoice = rules.choices?.length ? choiceIndex(rules.choices) : undefined;
  const check = (data: Record<string, unknown>): boolean => {
    if (rules.element && !hasChild(data)) {
      check.errors = [errorOf({ rule: 'empty' })];
      return false;
    }
    let errors: Errors | undefined;
    for (const names of required) {
      if (!hasAny(data, names)) (errors ??= []).push(errorOf({ rule: 'required', names }));
    }
    const clashes = variantChoice && choiceClashes(data, variantChoice);
    for (const present of clashes ?? []) (errors ??= []).push(errorOf({ rule: 'choice', present }));
    if (primitiveArrays.length > 0) errors = primitiveArrayErrors(data, primitiveArrays, errors);
    check.errors = errors;
    return errors === undefined;
  };
  check.errors = undefined as Errors | undefined;
  return check;
}

export const elementKeyword: KeywordDefinition = {
  keyword: ELEMENT_KEYWORD,
  type: 'object',
  schemaType: 'object',
  errors: true,
  compile: (rules: ElementRules) => checkerOf(rules),
};
