/**
 * Runs a filter against committed state: plan, scan candidates, re-check every
 * candidate with mingo, then sort/skip/limit/project with mingo.
 */
import { Query, find } from 'mingo';
import type { Document, Filter, FindOptions } from '../types.ts';
import type { CollectionStorage, ScanStats } from './collection-storage.ts';
import { type Plan, isExactIdFilter, planQuery } from './planner.ts';

export interface MatchResult {
  docs: Document[];
  plan: Plan;
  stats: ScanStats;
}

export type Matcher = (doc: Document) => boolean;

export function matcherOf(filter: Filter): Matcher {
  if (Object.keys(filter).length === 0) return () => true;
  const query = new Query(filter as never);
  return (doc) => query.test(doc as never);
}

/** Matching committed documents; stops after `stopAfter` matches when given (no sort needed). */
export function matchCommitted(storage: CollectionStorage, filter: Filter, stopAfter = Infinity): MatchResult {
  const plan = planQuery(filter, storage.indexes(), (intervals) => storage.countKeys(intervals));
  const stats: ScanStats = { keysExamined: 0, docsExamined: 0 };
  const test = isExactIdFilter(filter) ? () => true : matcherOf(filter);
  const docs: Document[] = [];
  if (stopAfter <= 0) return { docs, plan, stats };
  for (const doc of storage.scan(plan, stats)) {
    if (!test(doc)) continue;
    docs.push(doc);
    if (docs.length >= stopAfter) break;
  }
  return { docs, plan, stats };
}

/** How many matches an unsorted query needs before it can stop scanning. */
export function earlyStop(options: FindOptions): number {
  if (options.sort && Object.keys(options.sort).length > 0) return Infinity;
  if (options.limit === undefined || options.limit === 0) return Infinity;
  return (options.skip ?? 0) + Math.abs(options.limit);
}

/** Sort, skip, limit and projection with mingo's semantics. */
export function shape(docs: Document[], options: FindOptions): Document[] {
  const { sort, skip, limit, projection } = options;
  let out = docs;
  if (sort && Object.keys(sort).length > 0) out = find(out, {}).sort(sort).all() as Document[];
  if (skip) out = out.slice(skip);
  if (limit) out = out.slice(0, Math.abs(limit));
  if (projection && Object.keys(projection).length > 0) out = find(out, {}, projection as never).all() as Document[];
  return out;
}

export function explainOf(result: MatchResult, nReturned: number): unknown {
  return {
    queryPlanner: { winningPlan: describePlan(result.plan) },
    executionStats: {
      nReturned,
      totalKeysExamined: result.stats.keysExamined,
      totalDocsExamined: result.stats.docsExamined,
    },
  };
}

function describePlan(plan: Plan): Record<string, unknown> {
  switch (plan.stage) {
    case 'IXSCAN':
      return { stage: 'IXSCAN', indexName: plan.index.name, keyPattern: plan.index.key };
    case 'OR':
      return { stage: 'OR', inputStages: plan.plans.map(describePlan) };
    default:
      return { stage: plan.stage };
  }
}
