/**
 * Query string -> SearchRequest (a pure function). Search parameters become
 * clauses (AND of ORs); result parameters (_count, _sort...) become fields;
 * anything not understood is listed in `unknown` for the HTTP layer to judge.
 * Malformed values throw FhirError FHIR_ERR_PARAM_INVALID (400).
 */
import { FhirError } from '../fhir/errors.js';
import type { Clause, Modifier, SearchParameterDef, SearchParamType, SearchRequest, SortItem } from './types.js';
import { searchParametersFor } from './search-parameters.js';
import { splitEscaped, unescapeValue } from './escape.js';
import { parseValue } from './parse-value.js';
import { rawInclude } from './includes.js';

const MODIFIERS: Record<SearchParamType, readonly Modifier[]> = {
  token: ['missing', 'not', 'text', 'in', 'not-in', 'above', 'below'],
  string: ['missing', 'exact', 'contains'],
  reference: ['missing', 'identifier'],
  uri: ['missing', 'above', 'below'],
  date: ['missing'],
  number: ['missing'],
  quantity: ['missing'],
  composite: ['missing'],
  special: [],
};

const SUMMARY = ['true', 'text', 'data', 'count', 'false'] as const;
const TOTAL = ['none', 'estimate', 'accurate'] as const;
const IGNORED = new Set(['_format', '_pretty']);

function invalid(name: string, reason: string): FhirError {
  return new FhirError('FHIR_ERR_PARAM_INVALID', [name, reason]);
}

function nonNegativeInteger(name: string, value: string): number {
  if (!/^\d{1,9}$/.test(value.trim())) throw invalid(name, `"${value}" is not a non-negative integer`);
  return Number(value);
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw invalid(name, `"${value}" is not one of ${allowed.join(', ')}`);
  return value as T;
}

function parseSort(type: string, value: string): SortItem[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean).map((item) => {
    const desc = item.startsWith('-');
    const param = desc ? item.slice(1) : item;
    if (!searchParametersFor(type).has(param)) throw invalid('_sort', `unknown search parameter "${param}" for ${type}`);
    return { param, desc };
  });
}

/** Applies a result parameter; false when `name` is not one. */
function applyResultParam(req: SearchRequest, name: string, value: string, modifier?: string): boolean {
  if (IGNORED.has(name)) return true;
  switch (name) {
    case '_count': req.count = nonNegativeInteger(name, value); return true;
    case '_offset': req.offset = nonNegativeInteger(name, value); return true;
    case '_sort': req.sort.push(...parseSort(req.type, value)); return true;
    case '_total': req.total = oneOf(name, value, TOTAL); return true;
    case '_summary': req.summary = oneOf(name, value, SUMMARY); return true;
    case '_elements': req.elements = value.split(',').map((e) => e.trim()).filter(Boolean); return true;
    case '_include': req.include.push(rawInclude(name, modifier, value)); return true;
    case '_revinclude': req.revinclude.push(rawInclude(name, modifier, value)); return true;
    default: return false;
  }
}

/** Splits "name:modifier"; a capitalised modifier on a reference is a target type. */
function parseModifier(key: string, def: SearchParameterDef, modifier: string | undefined): Pick<Clause, 'modifier' | 'targetType'> {
  if (modifier === undefined) return {};
  if (def.type === 'reference' && /^[A-Z][A-Za-z]+$/.test(modifier)) {
    if (def.target && !def.target.includes(modifier)) throw invalid(key, `${modifier} is not a target type of ${def.code}`);
    return { modifier: 'type', targetType: modifier };
  }
  if (!(MODIFIERS[def.type] as readonly string[]).includes(modifier)) {
    throw invalid(key, `the modifier :${modifier} is not supported on ${def.type} parameters`);
  }
  return { modifier: modifier as Modifier };
}

function parseClause(key: string, def: SearchParameterDef, modifier: string | undefined, raw: string): Clause | undefined {
  const clause: Clause = { param: def.code, type: def.type, ...parseModifier(key, def, modifier), values: [] };
  if (clause.modifier === 'missing') {
    clause.values.push({ kind: 'missing', missing: oneOf(key, raw.trim(), ['true', 'false'] as const) === 'true' });
    return clause;
  }
  const parts = splitEscaped(raw, ',').filter((part) => unescapeValue(part).trim().length > 0);
  if (parts.length === 0) return undefined; // an empty parameter is ignored
  clause.values = parts.map((part) => parseValue(key, def, clause, part));
  return clause;
}

/** Parses a search query for `type`. */
export function parseSearch(type: string, params: URLSearchParams): SearchRequest {
  const req: SearchRequest = { type, clauses: [], sort: [], include: [], revinclude: [], unknown: [] };
  const defs = searchParametersFor(type);
  for (const [key, value] of params) {
    const [name, modifier] = splitKey(key);
    if (applyResultParam(req, name, value, modifier)) continue;
    const def = defs.get(name);
    if (!def || name.includes('.')) {
      req.unknown.push(key);
      continue;
    }
    const clause = parseClause(key, def, modifier, value);
    if (clause) req.clauses.push(clause);
  }
  return req;
}

function splitKey(key: string): [string, string | undefined] {
  const colon = key.indexOf(':');
  return colon < 0 ? [key, undefined] : [key.slice(0, colon), key.slice(colon + 1)];
}
