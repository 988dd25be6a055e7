/**
 * Index extraction at write time: evaluates every search parameter of the
 * resource's type and converts the values into `idx` entries and `sk` sort keys.
 */
import type { IndexEntries, IndexEntry, SearchParameterDef, SearchParamType, SortKeys } from './types.js';
import { compileExpression, type Evaluator, type TypedValue } from './expressions.js';
import { searchParametersFor } from './search-parameters.js';
import { CONVERTERS, type Converter } from './values/converters.js';
import { type CompositeExtractor, compositeExtractor } from './values/composite.js';
import { MIN_DATE } from './date-range.js';
import { heldCode, heldResources } from './held-resources.js';
import { wordEntries } from './word-parameters.js';

/** Served by the document's own `_id` and `lastUpdated` fields, not by `idx`. */
const DOCUMENT_FIELDS = new Set(['_id', '_lastUpdated']);

interface Extractor {
  def: SearchParameterDef;
  evaluate: Evaluator;
  convert: Converter;
  /** Top-level keys of the resource the expression reads (see Evaluator.keys). */
  keys: readonly string[] | undefined;
  /** One of DOCUMENT_FIELDS: indexed only for a held resource, which has no document of its own. */
  documentField: boolean;
}

type Parameters = Map<string, SearchParameterDef>;

/** Keyed by a type's parameter map: a new map (the parameters changed, see setAddedSearchParameters) rebuilds them. */
const extractors = new WeakMap<Parameters, Extractor[]>();
const compositeExtractors = new WeakMap<Parameters, CompositeExtractor[]>();
const wordDefinitions = new WeakMap<Parameters, SearchParameterDef[]>();

/** What `build` makes of the parameters of `type`, made once per parameter map. */
function perParameters<T>(cache: WeakMap<Parameters, T>, type: string, build: (defs: SearchParameterDef[]) => T): T {
  const params = searchParametersFor(type);
  let built = cache.get(params);
  if (built === undefined) {
    built = build([...params.values()]);
    cache.set(params, built);
  }
  return built;
}

function toExtractor(def: SearchParameterDef): Extractor {
  const evaluate = compileExpression(def.expression);
  return { def, evaluate, convert: CONVERTERS[def.type]!, keys: evaluate.keys, documentField: DOCUMENT_FIELDS.has(def.code) };
}

function extractorsFor(type: string): Extractor[] {
  return perParameters(extractors, type, (defs) => defs.filter((def) => CONVERTERS[def.type] && !def.words).map(toExtractor));
}

function compositeExtractorsFor(type: string): CompositeExtractor[] {
  return perParameters(compositeExtractors, type, (defs) => defs.filter((def) => def.type === 'composite').map(compositeExtractor));
}

function wordDefinitionsFor(type: string): SearchParameterDef[] {
  return perParameters(wordDefinitions, type, (defs) => defs.filter((def) => def.words));
}

/** `_text` / `_content` entries go to `idx.string`, already distinct; they have no sort key. */
function addWordEntries(resource: { resourceType: string }, idx: IndexEntries): void {
  for (const def of wordDefinitionsFor(resource.resourceType)) {
    const entries = wordEntries(def, resource);
    if (entries.length > 0) (idx.string ??= []).push(...entries);
  }
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

/** Adds the entries of one parameter's values to `idx` and its sort key to `sk`. */
function addEntries({ def, convert }: Extractor, values: TypedValue[], idx: IndexEntries, sk: SortKeys): void {
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

/**
 * The resources a holding parameter selects (held-resources.ts): an entry of the parameter itself,
 * with "Type/id" when the resource has an id, and the resource's own entries under `<code>.<param>`.
 */
function addHeldEntries(def: SearchParameterDef, values: TypedValue[], idx: IndexEntries, options: ExtractOptions): void {
  for (const resource of heldResources(def, values)) {
    const self: IndexEntry = { p: def.code };
    if (resource.id) self.r = `${resource.resourceType}/${resource.id}`;
    appendDistinct([self], (idx.reference ??= []));
    const own = searchIndexOf(resource, options, true).idx;
    for (const type of Object.keys(own) as SearchParamType[]) {
      appendDistinct(own[type]!.map((e) => ({ ...e, p: heldCode(def.code, e.p) })), (idx[type] ??= []));
    }
  }
}

/** See extractSearchIndex; a `held` resource also indexes its id and meta.lastUpdated. */
function searchIndexOf(resource: { resourceType: string }, options: ExtractOptions, held: boolean): SearchIndex {
  const idx: IndexEntries = {};
  const sk: SortKeys = {};
  const json = resource as unknown as Record<string, unknown>;
  const list = extractorsFor(resource.resourceType);
  for (let x = 0; x < list.length; x++) {
    const extractor = list[x];
    if (extractor.documentField && !held) continue;
    if (extractor.keys !== undefined && !present(json, extractor.keys)) continue;
    const values = tolerant(extractor.evaluate, resource, options);
    if (values.length === 0) continue;
    if (extractor.def.holds) addHeldEntries(extractor.def, values, idx, options);
    else addEntries(extractor, values, idx, sk);
  }
  addCompositeEntries(resource, idx, options);
  addWordEntries(resource, idx);
  return { idx, sk };
}

/** Index entries and sort keys of a resource, as the repository stores them (`idx`, `sk`). */
export function extractSearchIndex(resource: { resourceType: string }, options: ExtractOptions = {}): SearchIndex {
  return searchIndexOf(resource, options, false);
}

/** The `idx` entries of a resource by parameter type (see extractSearchIndex, which gives both at once). */
export function extractIndexEntries(resource: { resourceType: string }, options?: ExtractOptions): IndexEntries {
  return extractSearchIndex(resource, options).idx;
}

/** The `sk` sort keys of a resource (see extractSearchIndex, which gives both at once). */
export function extractSortKeys(resource: { resourceType: string }, options?: ExtractOptions): SortKeys {
  return extractSearchIndex(resource, options).sk;
}
