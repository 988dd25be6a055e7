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
import { isResourceType } from '../fhir/resource-types.js';
import { heldCode } from './held-resources.js';
import { assertContainersOnly } from './contained.js';

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
/** Parameters about the answer's form, not the search: _signed asks for a signed Bundle. */
const IGNORED = new Set(['_format', '_pretty', '_signed', '_signatureFormat']);

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
    const def = searchParametersFor(type).get(param);
    if (!def) throw invalid('_sort', `unknown search parameter "${param}" for ${type}`);
    if (def.words) throw invalid('_sort', `${param} is a word search, which gives no sort order`);
    if (def.type === 'composite') throw invalid('_sort', `${param} is a composite parameter, which gives no sort order`);
    return { param, desc };
  });
}

/** Applies a result parameter; false when `name` is not one. */
function applyResultParam(req: SearchRequest, name: string, value: string, modifier?: string): boolean {
  if (IGNORED.has(name)) return true;
  switch (name) {
    case '_count': req.count = nonNegativeInteger(name, value); return true;
    case '_offset': req.offset = nonNegativeInteger(name, value); return true;
    case '_cursor': req.cursor = value; return true;
    case '_sort': req.sort.push(...parseSort(req.type, value)); return true;
    case '_total': req.total = oneOf(name, value, TOTAL); return true;
    case '_summary': req.summary = oneOf(name, value, SUMMARY); return true;
    case '_elements': req.elements = value.split(',').map((e) => e.trim()).filter(Boolean); return true;
    case '_include': req.include.push(rawInclude(name, modifier, value)); return true;
    case '_revinclude': req.revinclude.push(rawInclude(name, modifier, value)); return true;
    case '_contained': case '_containedType': assertContainersOnly(name, value); return true;
    default: return false;
  }
}

/** Splits "name:modifier"; a capitalised modifier on a reference is a target type. */
function parseModifier(key: string, def: SearchParameterDef, modifier: string | undefined): Pick<Clause, 'modifier' | 'targetType'> {
  if (modifier === undefined) return {};
  if (def.words) throw invalid(key, `${def.code} takes no modifier (:${modifier}): it matches words by their beginning`);
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

/** A search for `type` with no criteria yet. */
function emptyRequest(type: string): SearchRequest {
  return { type, clauses: [], chains: [], sort: [], include: [], revinclude: [], unknown: [] };
}

function hasCriteria(req: SearchRequest): boolean {
  return req.clauses.length > 0 || req.chains.length > 0;
}

/** Chains longer than this are refused: each link is one more search per target type. */
const MAX_CHAIN_LINKS = 4;
const HAS_KEY = /^_has:([^:.]+):([^:.]+):(.+)$/;

function unknownInChain(key: string, next: string, types: string[]): FhirError {
  return new FhirError('FHIR_ERR_PARAM_UNKNOWN', [`"${splitKey(next)[0]}" (in ${key})`, types.join(', ') || 'no target type']);
}

/**
 * Adds the criterion `key=value` to `req`: a plain clause, a chain (`ref[:Type].rest`) or a
 * reverse chain (`_has:Type:ref:rest`); nothing for an empty value. False when the key's first
 * parameter is not one of `req.type`; other faults throw. `key` is the whole key, for messages.
 */
function addCriterion(req: SearchRequest, key: string, criterion: string, value: string, links = 0): boolean {
  if (links > MAX_CHAIN_LINKS) throw invalid(key, `a chain may have at most ${MAX_CHAIN_LINKS} links`);
  if (criterion.startsWith('_has:')) {
    addReverseChain(req, key, criterion, value, links);
    return true;
  }
  const dot = criterion.indexOf('.');
  const [name, modifier] = splitKey(dot < 0 ? criterion : criterion.slice(0, dot));
  const def = searchParametersFor(req.type).get(name);
  if (!def) return false;
  if (dot >= 0) {
    addForwardChain(req, key, def, modifier, criterion.slice(dot + 1), value, links);
    return true;
  }
  const clause = parseClause(key, def, modifier, value);
  if (clause) req.clauses.push(clause);
  return true;
}

/** `ref[:Type].next`: one inner search per target type (the given one, or each target that has `next`). */
function addForwardChain(
  req: SearchRequest, key: string, def: SearchParameterDef, modifier: string | undefined, next: string, value: string, links: number,
): void {
  if (def.type !== 'reference') throw invalid(key, `${def.code} is a ${def.type} parameter; only reference parameters can be chained`);
  const { targetType } = parseModifier(key, def, modifier);
  if (modifier !== undefined && !targetType) throw invalid(key, `only a resource type may follow "${def.code}:" in a chain`);
  const types = (targetType ? [targetType] : def.target ?? []).filter(isResourceType);
  if (def.holds) {
    addHeldCriterion(req, key, def.code, types, next, value, links);
    return;
  }
  const targets = types.map(emptyRequest).filter((inner) => addCriterion(inner, key, next, value, links + 1));
  if (targets.length === 0) throw unknownInChain(key, next, types);
  if (targets.some(hasCriteria)) req.chains.push({ kind: 'chain', key, param: def.code, targets });
}

/**
 * `composition.subject=x` on a Bundle: the bundle stores the entries of the resource it holds
 * under `composition.<param>` (held-resources.ts), so the criterion `next` of the first target type
 * that has it becomes clauses (and chains on from there) on those entries.
 */
function addHeldCriterion(req: SearchRequest, key: string, code: string, types: string[], next: string, value: string, links: number): void {
  let held: SearchRequest | undefined;
  for (const type of types) {
    const inner = emptyRequest(type);
    if (addCriterion(inner, key, next, value, links + 1)) {
      held = inner;
      break;
    }
  }
  if (!held) throw unknownInChain(key, next, types);
  if (held.chains.some((chain) => chain.kind === 'has')) {
    throw invalid(key, `_has cannot follow ${code}: the resource it selects is held in the ${req.type}, not stored on its own`);
  }
  req.clauses.push(...held.clauses.map((clause) => ({ ...clause, param: heldCode(code, clause.param) })));
  req.chains.push(...held.chains.map((chain) => ({ ...chain, param: heldCode(code, chain.param) })));
}

/** `_has:Type:ref:next`: resources that a `Type` matching `next` refers to through `ref`. */
function addReverseChain(req: SearchRequest, key: string, criterion: string, value: string, links: number): void {
  const match = HAS_KEY.exec(criterion);
  if (!match) throw invalid(key, 'use _has:[type]:[reference parameter]:[parameter]');
  const [, type, param, next] = match;
  if (!isResourceType(type)) throw invalid(key, `"${type}" is not a resource type`);
  const def = searchParametersFor(type).get(param);
  if (def?.type !== 'reference') throw invalid(key, `"${param}" is not a reference parameter of ${type}`);
  if (def.target && !def.target.includes(req.type)) throw invalid(key, `${type}.${param} cannot refer to a ${req.type}`);
  const inner = emptyRequest(type);
  if (!addCriterion(inner, key, next, value, links + 1)) throw unknownInChain(key, next, [type]);
  if (hasCriteria(inner)) req.chains.push({ kind: 'has', key, param, inner });
}

/** Parses a search query for `type`. */
export function parseSearch(type: string, params: URLSearchParams): SearchRequest {
  const req = emptyRequest(type);
  for (const [key, value] of params) {
    const [name, modifier] = splitKey(key);
    if (applyResultParam(req, name, value, modifier)) continue;
    if (!addCriterion(req, key, key, value)) req.unknown.push(key);
  }
  return req;
}

function splitKey(key: string): [string, string | undefined] {
  const colon = key.indexOf(':');
  return colon < 0 ? [key, undefined] : [key.slice(0, colon), key.slice(colon + 1)];
}
