/**
 * Index extraction at write time: evaluates every search parameter of the
 * resource's type and converts the values into `idx` entries and `sk` sort keys.
 */
import type { IndexEntries, IndexEntry, SearchParameterDef, SearchParamType, SortKeys } from './types.js';
import { compileExpression, type Evaluator, type TypedValue } from './expressions.js';
import { searchParametersFor } from './search-parameters.js';
import { tokenEntries } from './values/token.js';
import { stringEntries } from './values/string.js';
import { referenceEntries } from './values/reference.js';
import { dateEntries } from './values/date.js';
import { numberEntries } from './values/number.js';
import { quantityEntries } from './values/quantity.js';
import { uriEntries } from './values/uri.js';
import { MIN_DATE } from './date-range.js';

type Converter = (p: string, value: TypedValue) => IndexEntry[];

const CONVERTERS: Partial<Record<SearchParamType, Converter>> = {
  token: tokenEntries,
  string: stringEntries,
  reference: referenceEntries,
  date: dateEntries,
  number: numberEntries,
  quantity: quantityEntries,
  uri: uriEntries,
};

/** Served by the document's own `_id` and `lastUpdated` fields, not by `idx`. */
const DOCUMENT_FIELDS = new Set(['_id', '_lastUpdated']);

interface Extractor {
  def: SearchParameterDef;
  evaluate: Evaluator;
  convert: Converter;
}

const extractors = new Map<string, Extractor[]>();

function extractorsFor(type: string): Extractor[] {
  let list = extractors.get(type);
  if (list) return list;
  list = [...searchParametersFor(type).values()]
    .filter((def) => !DOCUMENT_FIELDS.has(def.code) && CONVERTERS[def.type])
    .map((def) => ({ def, evaluate: compileExpression(def.expression), convert: CONVERTERS[def.type]! }));
  extractors.set(type, list);
  return list;
}

function entryKey(e: IndexEntry): string {
  return [e.p, e.s, e.c, e.t, e.n, e.x, e.r, e.i, e.u, e.v, e.lo?.valueOf(), e.hi?.valueOf()].join('\u0000');
}

function dedupe(entries: IndexEntry[]): IndexEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = entryKey(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
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

function smallest(values: (string | number | Date | undefined)[]): string | number | Date | undefined {
  return values.reduce((min, v) => (v === undefined || (min !== undefined && min <= v) ? min : v), undefined);
}

export interface ExtractOptions {
  /** Throw when an expression fails to evaluate (tests); by default the parameter is skipped. */
  strict?: boolean;
}

export interface SearchIndex {
  idx: IndexEntries;
  sk: SortKeys;
}

/** Index entries and sort keys of a resource, as the repository stores them (`idx`, `sk`). */
export function extractSearchIndex(resource: { resourceType: string }, options: ExtractOptions = {}): SearchIndex {
  const idx: IndexEntries = {};
  const sk: SortKeys = {};
  for (const { def, evaluate, convert } of extractorsFor(resource.resourceType)) {
    let values: TypedValue[];
    try {
      values = evaluate(resource);
    } catch (err) {
      if (options.strict) throw err;
      continue;
    }
    if (values.length === 0) continue;
    const entries = dedupe(values.flatMap((v) => convert(def.code, v)));
    (idx[def.type] ??= []).push(...entries);
    const key = smallest(entries.map((e) => sortValue(def.type, e)));
    if (key !== undefined) sk[def.code] = key;
  }
  return { idx, sk };
}

/**
 * The last extraction, so that extractIndexEntries and extractSortKeys called one after
 * the other on the same resource evaluate it once. The JSON text guards against a
 * resource object that was changed in between.
 */
let last: { resource: object; json: string; index: SearchIndex } | undefined;

function extractOnce(resource: { resourceType: string }, options?: ExtractOptions): SearchIndex {
  const json = JSON.stringify(resource);
  if (last && last.resource === resource && last.json === json) return last.index;
  const index = extractSearchIndex(resource, options);
  last = { resource, json, index };
  return index;
}

/** The `idx` entries of a resource by parameter type (see extractSearchIndex). */
export function extractIndexEntries(resource: { resourceType: string }, options?: ExtractOptions): IndexEntries {
  return extractOnce(resource, options).idx;
}

/** The `sk` sort keys of a resource (see extractSearchIndex). */
export function extractSortKeys(resource: { resourceType: string }, options?: ExtractOptions): SortKeys {
  return extractOnce(resource, options).sk;
}
