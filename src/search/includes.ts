/**
 * `_include` / `_revinclude` (search.html#include): the raw values parse.ts collects become
 * include directives; a directive tells which references of a resource it follows and which
 * filter finds the resources that refer to a set of others. Pure.
 */
import { FhirError } from '../fhir/errors.js';
import { isResourceType, RESOURCE_TYPES } from '../fhir/resource-types.js';
import type { Filter } from '../store/types.js';
import { compileClause, entriesField } from './compile.js';
import { entryCondition } from './compile-values.js';
import { searchParameter, searchParametersFor } from './search-parameters.js';
import type { IndexEntry, SearchParameterDef, SearchRequest, SearchValue } from './types.js';

export interface IncludeDirective {
  /** _revinclude: resources of `sourceType` that refer to the given ones; _include: what the given ones refer to. */
  reverse: boolean;
  /** `:iterate` (R4's older name `:recurse`): applies to included resources too, not only to matches. */
  iterate: boolean;
  /** The type holding the reference; undefined for a bare `_include=*` (any type). */
  sourceType?: string;
  /** The reference parameter; undefined for `*` (every reference parameter). */
  param?: string;
  /** Only references to this type. */
  targetType?: string;
}

const ITERATE_PREFIX = 'iterate:';
const ITERATE_MODIFIERS = new Set(['iterate', 'recurse']);
/** A normalised local reference as `idx.reference` stores it (not "#contained", not urn:uuid:...). */
const TYPE_ID = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

function invalid(key: string, reason: string): FhirError {
  return new FhirError('FHIR_ERR_PARAM_INVALID', [key, reason]);
}

/** The value parse.ts keeps for `_include[:modifier]=value`: an :iterate one is prefixed with "iterate:". */
export function rawInclude(name: string, modifier: string | undefined, value: string): string {
  if (modifier === undefined) return value;
  if (!ITERATE_MODIFIERS.has(modifier)) throw invalid(`${name}:${modifier}`, 'the only modifiers are :iterate and :recurse');
  return ITERATE_PREFIX + value;
}

function referenceParam(key: string, type: string, code: string): SearchParameterDef {
  const def = searchParameter(type, code);
  if (!def) throw invalid(key, `unknown search parameter "${code}" for ${type}`);
  if (def.type !== 'reference') throw invalid(key, `${type}:${code} is a ${def.type} parameter, not a reference`);
  return def;
}

function checkTarget(key: string, def: SearchParameterDef | undefined, targetType: string): void {
  if (!isResourceType(targetType)) throw invalid(key, `unknown resource type "${targetType}"`);
  if (def?.target && !def.target.includes(targetType)) throw invalid(key, `${def.code} cannot refer to a ${targetType}`);
}

/** A raw value without its "iterate:" prefix. */
function unprefixed(raw: string): { iterate: boolean; value: string } {
  const iterate = raw.startsWith(ITERATE_PREFIX);
  return { iterate, value: (iterate ? raw.slice(ITERATE_PREFIX.length) : raw).trim() };
}

function parseDirective(name: '_include' | '_revinclude', raw: string): IncludeDirective {
  const { iterate, value } = unprefixed(raw);
  const key = iterate ? `${name}:iterate` : name;
  const reverse = name === '_revinclude';
  if (value === '*' && !reverse) return { reverse, iterate };
  const [sourceType, code, targetType, extra] = value.split(':');
  if (code === undefined || extra !== undefined) throw invalid(key, `"${value}" is not [type]:[parameter] or [type]:[parameter]:[target type]`);
  if (!isResourceType(sourceType)) throw invalid(key, `unknown resource type "${sourceType}"`);
  const def = code === '*' ? undefined : referenceParam(key, sourceType, code);
  if (targetType !== undefined) checkTarget(key, def, targetType);
  return { reverse, iterate, sourceType, ...(def ? { param: def.code } : {}), ...(targetType ? { targetType } : {}) };
}

/** The directives of a search, _include ones first; an empty value is ignored; a malformed one throws (400). */
export function parseIncludes(req: Pick<SearchRequest, 'include' | 'revinclude'>): IncludeDirective[] {
  const nonEmpty = (raw: string) => unprefixed(raw).value.length > 0;
  return [
    ...req.include.filter(nonEmpty).map((raw) => parseDirective('_include', raw)),
    ...req.revinclude.filter(nonEmpty).map((raw) => parseDirective('_revinclude', raw)),
  ];
}

/** Whether an _include follows references out of a resource of `type`. */
export function includesFrom(d: IncludeDirective, type: string): boolean {
  return d.sourceType === undefined || d.sourceType === type;
}

/** Whether a _revinclude looks for resources that refer to one of `type`. */
export function revIncludesTo(d: IncludeDirective, type: string): boolean {
  return d.targetType === undefined || d.targetType === type;
}

/** The local "Type/id" references among a resource's reference entries that a directive follows. */
export function followedReferences(entries: readonly IndexEntry[], d: IncludeDirective): string[] {
  const out: string[] = [];
  for (const { p, r } of entries) {
    if (r === undefined || (d.param !== undefined && p !== d.param) || !TYPE_ID.test(r)) continue;
    if (d.targetType === undefined || r.startsWith(`${d.targetType}/`)) out.push(r);
  }
  return out;
}

/** The filter (on the referring type) of a _revinclude's resources that refer to any of `refs` ("Type/id"). */
export function revIncludeFilter(d: IncludeDirective, refs: string[]): Filter {
  const value: SearchValue = { kind: 'reference', refs };
  if (d.param !== undefined) return compileClause({ param: d.param, type: 'reference', values: [value] });
  return { [entriesField('reference')]: { $elemMatch: entryCondition(value) } };
}

function referenceParams(type: string): SearchParameterDef[] {
  return [...searchParametersFor(type).values()].filter((def) => def.type === 'reference');
}

/** For the CapabilityStatement: the _include values a search of `type` takes (target-type forms aside). */
export function supportedIncludes(type: string): string[] {
  return ['*', `${type}:*`, ...referenceParams(type).map((def) => `${type}:${def.code}`)];
}

let revIncludesByTarget: Map<string, string[]> | undefined;

/** For the CapabilityStatement: the _revinclude values a search of `type` takes (parameters that declare `type` a target). */
export function supportedRevIncludes(type: string): string[] {
  if (!revIncludesByTarget) {
    revIncludesByTarget = new Map();
    for (const source of RESOURCE_TYPES) {
      for (const def of referenceParams(source)) {
        for (const target of def.target ?? []) {
          const list = revIncludesByTarget.get(target) ?? [];
          list.push(`${source}:${def.code}`);
          revIncludesByTarget.set(target, list);
        }
      }
    }
  }
  return revIncludesByTarget.get(type) ?? [];
}
