/**
 * Runs a find against committed state. Without a sort: plan, scan candidates,
 * re-check every candidate with mingo, stop at skip + limit. With a sort and a
 * limit, an index that provides the order is walked in order and stops early
 * (ordered-scan.ts). The choice: when the filter's own plan examines at most
 * 10 × (skip + limit) keys, it runs and mingo sorts the result in memory;
 * otherwise the ordered scan runs. Should it examine more documents than that,
 * it gets a budget of as many documents as the filter plan would examine
 * (counted then; unlimited from 10,000 keys or for a full scan), and
 * past the budget the query falls back to the filter plan and an in-memory sort.
 */
import { Query, find } from 'mingo';
import * as queryOperators from 'mingo/operators/query';
import { Query as QueryOfOperators } from 'mingo/query';
import { Context, ProcessingMode } from 'mingo/core';
import { Lazy } from 'mingo/lazy';
import { $sort } from 'mingo/operators/pipeline';
import type { Options, SortSpec as MingoSortSpec } from 'mingo/types';
import type { Document, Filter, FindOptions, SortSpec } from '../types.ts';
import type { CollectionStorage, ScanStats } from './collection-storage.ts';
import { runIdOrderedScan, runOrderedScan } from './ordered-scan.ts';
import { encodePrimaryKey, isPlainObject } from './key-codec.ts';
import { type Plan, coveredOpenFields, exactIds, isCoveredCount, isDecidedByPlan, isExactIdFilter, planQuery } from './planner.ts';
import { type OrderedScan, orderedScanPlan } from './sort-plan.ts';

export interface MatchResult {
  docs: Document[];
  plan: Plan;
  stats: ScanStats;
}

/** A find's page of documents (sorted, skipped, limited; not projected) and how it was produced. */
export interface FindResult extends MatchResult {
  /** Set when the index order (or, 'id', the primary-key order) provided the sort. */
  ordered?: OrderedScan | 'id';
  sort?: SortSpec;
}

export type Matcher = (doc: Document) => boolean;

export const sortPlanTuning = {
  /** Filter plans that would examine at least this many keys give the ordered scan an unlimited budget. */
  estimateCap: 10_000,
  /** Filter plans examining at most this many keys per needed match just sort in memory. */
  inMemoryFactor: 10,
  /** Tests: use an index-ordered scan whenever one can serve the sort, with no budget. */
  alwaysOrdered: false,
};

const matchAll: Matcher = () => true;

/** Compiled filters by `filterKey`, oldest first; compiling a mingo Query costs far more than testing with it. */
const compiled = new Map<string, Matcher>();
const MAX_COMPILED = 500;
const MAX_KEY_LENGTH = 4096;

/** Operators whose meaning depends on more than the filter's data (code, the time of evaluation). */
const UNCACHED_OPERATORS = new Set(['$where', '$expr', '$function', '$accumulator', '$jsonSchema']);

/**
 * A string that equals another filter's only if both are the same data, so that both compile to
 * the same predicates; null when the filter holds anything else (code, class instances, stateful
 * regular expressions) or is too large to be worth keeping.
 */
export function filterKey(filter: Filter): string | null {
  const parts: string[] = [];
  let length = 0;
  const add = (s: string) => {
    parts.push(s);
    length += s.length;
  };
  const walk = (v: unknown): boolean => {
    if (length > MAX_KEY_LENGTH) return false;
    switch (typeof v) {
      case 'string':
        add(JSON.stringify(v));
        return true;
      case 'number':
        add(Object.is(v, -0) ? '-0' : String(v)); // NaN, Infinity: unlike JSON, kept apart from null
        return true;
      case 'boolean':
        add(v ? 'true' : 'false');
        return true;
      case 'undefined':
        add('undefined');
        return true;
      case 'object':
        break;
      default:
        return false;
    }
    if (v === null) {
      add('null');
      return true;
    }
    if (Array.isArray(v)) {
      add('[');
      for (let i = 0; i < v.length; i++) {
        if (!(i in v) || !walk(v[i])) return false;
        add(',');
      }
      add(']');
      return true;
    }
    if (v instanceof Date) {
      add(`Date(${v.getTime()})`);
      return true;
    }
    if (v instanceof RegExp) {
      if (v.global || v.sticky) return false; // they keep state (lastIndex) between tests
      add(`RegExp(${JSON.stringify(v.source)},${v.flags})`);
      return true;
    }
    if (!isPlainObject(v) || Object.getOwnPropertySymbols(v).length > 0) return false;
    add('{');
    for (const k of Object.keys(v)) {
      if (UNCACHED_OPERATORS.has(k)) return false;
      add(JSON.stringify(k));
      add(':');
      if (!walk(v[k])) return false;
      add(',');
    }
    add('}');
    return true;
  };
  return walk(filter) && length <= MAX_KEY_LENGTH ? parts.join('') : null;
}

/**
 * The query operators alone, for filters that need no others. A mingo Query copies its context's
 * operator tables each time one is made; with mingo's full set (every expression, pipeline and
 * accumulator operator besides, 231 in all) that copy was most of the cost of compiling a filter.
 */
const QUERY_OPERATORS_ONLY = { context: Context.init({ query: queryOperators }) };

/** `allOperators`: the filter may use an operator beyond the query ones (one of UNCACHED_OPERATORS). */
function compile(filter: Filter, allOperators: boolean): Matcher {
  const query = allOperators ? new Query(filter as never) : new QueryOfOperators(filter as never, QUERY_OPERATORS_ONLY);
  return (doc) => query.test(doc as never);
}

/** Whether an operator in `names` appears anywhere in the value (as an object key, at any depth). */
function mentionsAny(value: unknown, names: ReadonlySet<string>): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some((item) => mentionsAny(item, names));
  if (!isPlainObject(value)) return false;
  for (const key of Object.keys(value)) {
    if (names.has(key) || mentionsAny((value as Record<string, unknown>)[key], names)) return true;
  }
  return false;
}

/**
 * mingo's test of the filter. A mingo Query keeps a deep copy of its filter and only pure
 * predicates, so one compiled for the same filter data is reused.
 */
export function matcherOf(filter: Filter): Matcher {
  if (Object.keys(filter).length === 0) return matchAll;
  const key = filterKey(filter);
  // a key is made only of filters without those operators; without one, the filter is looked through for them
  if (key === null) return compile(filter, mentionsAny(filter, UNCACHED_OPERATORS));
  let matcher = compiled.get(key);
  if (matcher) {
    // most recently used last
    compiled.delete(key);
    compiled.set(key, matcher);
    return matcher;
  }
  matcher = compile(filter, false);
  compiled.set(key, matcher);
  if (compiled.size > MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
  return matcher;
}

function planFor(storage: CollectionStorage, filter: Filter): Plan {
  return planQuery(filter, storage.indexes(), storage);
}

/** What a scanned document must still pass: nothing when the plan reads exactly the ids asked for, or proves each candidate a match. */
function residualTest(filter: Filter, plan: Plan): Matcher {
  return isExactIdFilter(filter) || exactIds(filter) || isDecidedByPlan(filter, plan) ? matchAll : matcherOf(filter);
}

/** Matching committed documents; stops after `stopAfter` matches when given (no sort needed). */
export function matchCommitted(
  storage: CollectionStorage,
  filter: Filter,
  stopAfter = Infinity,
  plan = planFor(storage, filter),
  stats: ScanStats = { keysExamined: 0, docsExamined: 0 },
  leftOut: ReadonlySet<string> | null = null,
): MatchResult {
  const test = residualTest(filter, plan);
  const docs: Document[] = [];
  if (stopAfter <= 0) return { docs, plan, stats };
  // fields the caller's projection drops need not be unpacked, unless the test reads them
  for (const doc of storage.scan(plan, stats, test === matchAll ? leftOut : null)) {
    if (!test(doc)) continue;
    docs.push(doc);
    if (docs.length >= stopAfter) break;
  }
  return { docs, plan, stats };
}

/** How many committed documents match, holding none of them: a count over a large collection stays in constant memory. */
export function countCommitted(storage: CollectionStorage, filter: Filter): number {
  const plan = planFor(storage, filter);
  if (isCoveredCount(filter, plan)) return storage.countDocumentsIn(plan.intervals, coveredOpenFields(filter, plan));
  const test = residualTest(filter, plan);
  let count = 0;
  for (const doc of storage.scan(plan, { keysExamined: 0, docsExamined: 0 })) {
    if (test(doc)) count++;
  }
  return count;
}

function sortOf(options: FindOptions): SortSpec | undefined {
  return options.sort && Object.keys(options.sort).length > 0 ? options.sort : undefined;
}

/** How many matches the query needs before it can stop (skip + limit). */
function needed(options: FindOptions): number {
  if (options.limit === undefined || options.limit === 0) return Infinity;
  return (options.skip ?? 0) + Math.abs(options.limit);
}

/** Index keys the filter plan would examine, or Infinity when that is unknown or at least `cap`. */
function filterCost(storage: CollectionStorage, plan: Plan, cap: number): number {
  if (plan.stage === 'COLLSCAN') return Infinity;
  if (plan.stage === 'IDHACK') return plan.ids.length;
  if (plan.stage === 'OR') return plan.plans.reduce((n, p) => n + filterCost(storage, p, cap), 0);
  const n = cap > 0 ? storage.countKeys(plan.intervals, cap) : 0;
  return n >= cap ? Infinity : n;
}

/** Sorted, skipped and limited matching committed documents. */
export function findCommitted(storage: CollectionStorage, filter: Filter, options: FindOptions): FindResult {
  const sort = sortOf(options);
  const page = { skip: options.skip, limit: options.limit };
  const plan = planFor(storage, filter);
  const stats: ScanStats = { keysExamined: 0, docsExamined: 0 };
  const need = needed(options);
  const ordered = sort && need < Infinity && plan.stage !== 'IDHACK' ? orderedRun(storage, filter, plan, sort, need, stats) : null;
  if (ordered) return { docs: shape(ordered.docs, page), plan, stats, ordered: ordered.scan, sort };
  const result = matchCommitted(storage, filter, sort ? Infinity : need, plan, stats, unsortedExclusions(options.projection, sort));
  return { ...result, docs: shape(result.docs, { sort, ...page }), sort };
}

/**
 * The first `need` matches in sort order by walking an index (or the primary keys, for a sort by
 * `_id`) in that order, when the filter's own plan would examine more than a few keys per match;
 * null when no such order serves the sort or the walk ran over budget.
 */
function orderedRun(
  storage: CollectionStorage, filter: Filter, plan: Plan, sort: SortSpec, need: number, stats: ScanStats,
): { docs: Document[]; scan: OrderedScan | 'id' } | null {
  const scan = orderedScanPlan(filter, sort, storage.indexes()) ?? (isIdSort(sort) ? 'id' : null);
  if (!scan) return null;
  const { inMemoryFactor, estimateCap, alwaysOrdered } = sortPlanTuning;
  const inMemory = inMemoryFactor * need;
  if (!alwaysOrdered && filterCost(storage, plan, inMemory + 1) <= inMemory) return null;
  // counting keys costs time too: only done if the ordered scan runs long
  const limits = alwaysOrdered ? { need, budget: Infinity } : { need, budget: inMemory, extend: () => filterCost(storage, plan, estimateCap) };
  const test = matcherOf(filter);
  const docs = scan === 'id'
    ? runIdOrderedScan(storage, test, sort._id === -1, limits, stats)
    : runOrderedScan(storage, scan, test, sort, limits, stats);
  return docs && { docs, scan };
}

/** A sort that `_id` alone decides (ids are unique: keys after it never matter). */
function isIdSort(sort: SortSpec): boolean {
  return Object.keys(sort)[0] === '_id';
}

/**
 * A find whose filter is only `_id` equality (`exactIds`), on committed data: a primary-key get
 * per distinct id, no plan and no re-check (the gets find exactly the matches), then shaped.
 * The same documents, in the same order, as the planned path (IDHACK).
 */
export function findByIds(storage: CollectionStorage, ids: readonly (string | number)[], options: FindOptions): Document[] {
  const docs: Document[] = [];
  if (ids.length === 1) {
    const leftOut = excludedFields(options.projection);
    const pk = encodePrimaryKey(ids[0]);
    const doc = leftOut ? storage.getWithout(pk, leftOut) : storage.get(pk);
    if (doc !== undefined) docs.push(doc);
  } else {
    const seen = new Set<string>();
    for (const id of ids) {
      const pk = encodePrimaryKey(id);
      const key = pk.toString('latin1');
      if (seen.has(key)) continue;
      seen.add(key);
      const doc = storage.get(pk);
      if (doc !== undefined) docs.push(doc);
    }
  }
  return shape(docs, options);
}

const exclusions = new WeakMap<object, ReadonlySet<string> | null>();

/** The top-level fields a projection only excludes, which a document read need not unpack. */
function excludedFields(projection: FindOptions['projection']): ReadonlySet<string> | null {
  if (!projection) return null;
  let excluded = exclusions.get(projection);
  if (excluded === undefined) {
    const fields = plainExclusion(projection);
    exclusions.set(projection, (excluded = fields && fields.length > 0 ? new Set(fields) : null));
  }
  return excluded;
}

/** The top-level fields a projection only excludes and a sort does not read. */
function unsortedExclusions(projection: FindOptions['projection'], sort: SortSpec | undefined): ReadonlySet<string> | null {
  const excluded = excludedFields(projection);
  if (!excluded || !sort) return excluded;
  const sortHeads = Object.keys(sort).map((path) => path.split('.')[0]!);
  return sortHeads.some((head) => excluded.has(head)) ? null : excluded;
}

/** Keys mingo refuses as field paths or treats as more than a top-level field name. */
function isPlainFieldName(k: string): boolean {
  return k.length > 0 && !k.includes('.') && k[0] !== '$' && k !== '__proto__' && k !== 'constructor' && k !== 'prototype';
}

/**
 * The top-level fields a projection only excludes (`{ a: 0, b: false }`), or null when it is
 * anything else. Such a projection is a shallow copy without those fields, as mingo makes it.
 */
function plainExclusion(projection: Record<string, unknown>): string[] | null {
  const keys = Object.keys(projection);
  for (const k of keys) {
    const v = projection[k];
    if ((v !== 0 && v !== false) || !isPlainFieldName(k)) return null;
  }
  return keys;
}

/**
 * mingo's own sort stage, given options once: `find(docs).sort()` builds a query and a copy of
 * every operator table per call, which cost more than sorting a page.
 */
const SORT_OPTIONS: Options = {
  idKey: '_id', processingMode: ProcessingMode.CLONE_OFF, useStrictMode: true, scriptEnabled: true, failOnError: true, context: Context.init(),
};

/** Sort, skip, limit and projection with mingo's semantics. */
export function shape(docs: Document[], options: FindOptions): Document[] {
  const { sort, skip, limit, projection } = options;
  let out = docs;
  if (sort && Object.keys(sort).length > 0) out = $sort(Lazy(out), sort as MingoSortSpec, SORT_OPTIONS).collect<Document>();
  if (skip) out = out.slice(skip);
  if (limit) out = out.slice(0, Math.abs(limit));
  if (projection && Object.keys(projection).length > 0) {
    const excluded = plainExclusion(projection);
    if (excluded) {
      out = out.map((doc) => {
        const copy: Document = Object.assign({}, doc);
        for (const k of excluded) delete copy[k];
        return copy;
      });
    } else {
      out = find(out, {}, projection as never).all() as Document[];
    }
  }
  return out;
}

export function explainOf(result: FindResult, nReturned: number): unknown {
  return {
    queryPlanner: { winningPlan: describeFind(result) },
    executionStats: {
      nReturned,
      totalKeysExamined: result.stats.keysExamined,
      totalDocsExamined: result.stats.docsExamined,
    },
  };
}

function describeFind(result: FindResult): Record<string, unknown> {
  const { ordered, sort, plan } = result;
  if (ordered === 'id') {
    // the primary keys are the _id index: a walk in their order that stops after the page
    return { stage: 'IXSCAN', indexName: '_id_', keyPattern: { _id: 1 }, sortedByIndex: true, direction: sort?._id === -1 ? 'backward' : 'forward' };
  }
  if (ordered) {
    const { index, reverse } = ordered;
    return { stage: 'IXSCAN', indexName: index.name, keyPattern: index.key, sortedByIndex: true, direction: reverse ? 'backward' : 'forward' };
  }
  if (sort) return { stage: 'SORT', sortPattern: sort, inputStage: describePlan(plan) };
  return describePlan(plan);
}

function describePlan(plan: Plan): Record<string, unknown> {
  switch (plan.stage) {
    case 'IXSCAN':
      return {
        stage: 'IXSCAN', indexName: plan.index.name, keyPattern: plan.index.key,
        ...(plan.probes ? { probedIndexes: plan.probes.map((p) => p.index.name) } : {}),
      };
    case 'OR':
      return { stage: 'OR', inputStages: plan.plans.map(describePlan) };
    default:
      return { stage: plan.stage };
  }
}
