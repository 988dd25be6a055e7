/**
 * Index extraction at write time: evaluates every search parameter of the
 * resource's type and converts the values into `idx` entries and `sk` sort keys.
 */
import type { IndexEntries, IndexEntry, SearchParameterDef, SearchParamType, SortKeys } from './types.js';
import { compileExpression, type Evaluator } from './expressions.js';
import { searchParametersFor } from './search-parameters.js';
import { CONVERTERS, type Converter } from './values/converters.js';
import { type CompositeExtractor, compositeExtractor } from './values/composite.js';
import { MIN_DATE } from './date-range.js';

/** Served by the document's own `_id` and `lastUpdated` fields, not by `idx`. */
const DOCUMENT_FIELDS = new Set(['_id', '_lastUpdated']);

interface Extractor {
  def: SearchParameterDef;
  evaluate: Evaluator;
  convert: Converter;
  /** Top-level keys of the resource the expression reads (see Evaluator.keys). */
  keys: readonly string[] | undefined;
}

/** Keyed by a type's parameter map: a new map (the parameters changed, see setAddedSearchParameters) rebuilds them. */
const extractors = new WeakMap<Map<string, SearchParameterDef>, Extractor[]>();
const compositeExtractors = new WeakMap<Map<string, SearchParameterDef>, CompositeExtractor[]>();

function extractorsFor(type: string): Extractor[] {
  const params = searchParametersFor(type);
  let list = extractors.get(params);
  if (list) return list;
  list = [...params.values()]
    .filter((def) => !DOCUMENT_FIELDS.has(def.code) && CONVERTERS[def.type])
    .map((def) => {
      const evaluate = compileExpression(def.expression);
      return { def, evaluate, convert: CONVERTERS[def.type]!, keys: evaluate.keys };
    });
  extractors.set(params, list);
  return list;
}

function compositeExtractorsFor(type: string): CompositeExtractor[] {
  const params = searchParametersFor(type);
  let list = compositeExtractors.get(params);
  if (!list) {
    list = [...params.values()].filter((def) => def.type === 'composite').map(compositeExtractor);
    compositeExtractors.set(params, list);
  }
  return list;
}

/** Composite entries go to `idx.composite` (distinct per parameter; composites have no sort key). */
function addCompositeEntries(resource: { resourceType: string }, idx: IndexEntries, options: ExtractOptions): void {
  for (const extract of compositeExtractorsFor(resource.resourceType)) {
    const entries = tolerant(extract, resource, options);
    if (entries.length > 0) (idx.composite ??= []).push(...entries);
  }
}

function entryKey(e: IndexEntry): string {
  return [e.p, e.s, e.c, e.t, e.n, e.x, e.r, e.i, e.u, e.v, e.lo?.valueOf(), e.hi?.valueOf()].join('\u0000');
}

/** A field as entryKey writes it (Array.join: undefined and null give ''). */
function fieldText(v: unknown): string {
  return v === undefined || v === null ? '' : typeof v === 'string' ? v : String(v.valueOf());
}

function sameField(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date && b instanceof Date && a.getTime() === b.getTime()) return true;
  return fieldText(a) === fieldText(b);
}

/** Whether entryKey(a) === entryKey(b), field by field and without building the keys. */
function sameEntry(a: IndexEntry, b: IndexEntry): boolean {
  return sameField(a.p, b.p) && sameField(a.s, b.s) && sameField(a.c, b.c) && sameField(a.t, b.t)
    && sameField(a.n, b.n) && sameField(a.x, b.x) && sameField(a.r, b.r) && sameField(a.i, b.i)
    && sameField(a.u, b.u) && sameField(a.v, b.v) && sameField(a.lo, b.lo) && sameField(a.hi, b.hi);
}

/** Lists up to this long are deduplicated by comparing pairs, longer ones with a Set of keys. */
const PAIRWISE_MAX = 16;

/** The entries without repeats (the first of equal ones stays), appended to `out`. */
function appendDistinct(entries: IndexEntry[], out: IndexEntry[]): void {
  if (entries.length <= PAIRWISE_MAX) {
    const start = out.length;
    outer: for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      for (let j = start; j < out.length; j++) if (sameEntry(out[j], e)) continue outer;
      out.push(e);
    }
    return;
  }
  const seen = new Set<string>();
  for (const e of entries) {
    const key = entryKey(e);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
}

/** The value a resource sorts by for one parameter (the smallest of its entries). */
function sortValue(type: SearchParamType, e: IndexEntry): string | number | Date | undefined {
  switch (type) {
    case 'string': return e.n;
    case 'token': return e.c ?? e.t;
    case 'reference': return e.r ?? e.i;
    case 'uri': return e.u;
    case 'number': case 'quantity': return e.v;
    case 'date': return e.lo instanceof Date && e.lo.getTime() !== MIN_DATE.getTime() ? e.lo : e.hi;
    default: return undefined;
  }
}

export interface ExtractOptions {
  /** Throw when an expression fails to evaluate (tests); by default the parameter is skipped. */
  strict?: boolean;
}

export interface SearchIndex {
  idx: IndexEntries;
  sk: SortKeys;
}

/** What `evaluate` gives for the resource; nothing when it throws, unless options.strict. */
function tolerant<T>(evaluate: (resource: object) => T[], resource: object, options: ExtractOptions): T[] {
  try {
    return evaluate(resource);
  } catch (err) {
    if (options.strict) throw err;
    return [];
  }
}

function present(resource: Record<string, unknown>, keys: readonly string[]): boolean {
  for (let i = 0; i < keys.length; i++) if (resource[keys[i]] !== undefined) return true;
  return false;
}

/** Index entries and sort keys of a resource, as the repository stores them (`idx`, `sk`). */
export function extractSearchIndex(resource: { resourceType: string }, options: ExtractOptions = {}): SearchIndex {
  const idx: IndexEntries = {};
  const sk: SortKeys = {};
  const json = resource as unknown as Record<string, unknown>;
  const list = extractorsFor(resource.resourceType);
  for (let x = 0; x < list.length; x++) {
    const { def, evaluate, convert, keys } = list[x];
    if (keys !== undefined && !present(json, keys)) continue;
    const values = tolerant(evaluate, resource, options);
    if (values.length === 0) continue;
    const converted = values.length === 1 ? convert(def.code, values[0]) : values.flatMap((v) => convert(def.code, v));
    const target = (idx[def.type] ??= []);
    const start = target.length;
    appendDistinct(converted, target);
    // The smallest sort value; the first of equal ones, undefined ones skipped.
    let key: string | number | Date | undefined;
    for (let i = start; i < target.length; i++) {
      const v = sortValue(def.type, target[i]);
      if (v !== undefined && (key === undefined || !(key <= v))) key = v;
    }
    if (key !== undefined) sk[def.code] = key;
  }
  addCompositeEntries(resource, idx, options);
  return { idx, sk };
}

/** The `idx` entries of a resource by parameter type (see extractSearchIndex, which gives both at once). */
export function extractIndexEntries(resource: { resourceType: string }, options?: ExtractOptions): IndexEntries {
  return extractSearchIndex(resource, options).idx;
}

/** The `sk` sort keys of a resource (see extractSearchIndex, which gives both at once). */
export function extractSortKeys(resource: { resourceType: string }, options?: ExtractOptions): SortKeys {
  return extractSearchIndex(resource, options).sk;
}
