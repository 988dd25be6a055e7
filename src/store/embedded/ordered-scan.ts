/**
 * Runs an index-ordered scan: walks the index in sort order, fetches and
 * re-checks each candidate with mingo, and stops once enough matches are
 * found. Keys whose sorted components are equal form a group; a group is
 * sorted in memory by the full sort spec (for the sort fields the index does
 * not serve, and for values the key encoding cannot tell apart, such as
 * objects), so a group must be complete before the scan stops.
 */
import { find } from 'mingo';
import type { Document, SortSpec } from '../types.ts';
import type { CollectionStorage, ScanStats } from './collection-storage.ts';
import { componentLength } from './key-codec.ts';
import type { Matcher } from './query-exec.ts';
import type { OrderedScan } from './sort-plan.ts';

export interface OrderedScanLimits {
  /** Matches needed (skip + limit). */
  need: number;
  /** Give up (return null) after examining this many documents... */
  budget: number;
  /** ...unless this, called once when the budget runs out, returns a larger one. */
  extend?: () => number;
}

/** Whether the scan may examine one more document. */
function withinBudget(limits: OrderedScanLimits, examined: number): boolean {
  if (examined < limits.budget) return true;
  if (!limits.extend) return false;
  limits.budget = limits.extend();
  limits.extend = undefined;
  return examined < limits.budget;
}

/** The sorted components of an index key: the bytes that decide its group. */
function groupKey(key: Buffer, scan: OrderedScan): Buffer {
  let end = scan.prefixLength;
  for (let i = 0; i < scan.sortedComponents; i++) end += componentLength(key, end);
  return key.subarray(scan.prefixLength, end);
}

function sortGroup(group: Map<string, Document>, sort: SortSpec): Document[] {
  const docs = [...group.values()];
  return docs.length > 1 ? (find(docs, {}).sort(sort).all() as Document[]) : docs;
}

/** At least `need` matches in sort order (every match if fewer), or null when over budget. */
export function runOrderedScan(
  storage: CollectionStorage,
  scan: OrderedScan,
  test: Matcher,
  sort: SortSpec,
  limits: OrderedScanLimits,
  stats: ScanStats,
): Document[] | null {
  const out: Document[] = [];
  let group = new Map<string, Document>();
  let seen = new Set<string>();
  let current: Buffer | null = null;
  for (const { key, pk } of storage.entriesInOrder(scan.interval, scan.reverse, stats)) {
    const gk = groupKey(key, scan);
    if (current && !gk.equals(current)) {
      out.push(...sortGroup(group, sort));
      group = new Map();
      seen = new Set();
      if (out.length >= limits.need) return out;
    }
    current = gk;
    const id = pk.toString('latin1');
    if (seen.has(id)) continue; // another key of the same document (a multikey field outside the sort)
    seen.add(id);
    if (!withinBudget(limits, stats.docsExamined)) return null;
    const doc = storage.fetch(pk, stats);
    if (doc !== undefined && test(doc)) group.set(id, doc);
  }
  out.push(...sortGroup(group, sort));
  return out;
}

/**
 * Whether an id's primary-key order is its place in mingo's sort: numbers, and strings below
 * U+D800 (UTF-8 byte order is UTF-16 order there). Keys of other ids sort after all of these,
 * as mingo sorts them, so a scan that meets none of them has seen everything in mingo's order.
 */
function idOrderSafe(id: unknown): boolean {
  return (typeof id === 'number' && !Number.isNaN(id)) || (typeof id === 'string' && !/[\uD800-\uFFFF]/.test(id));
}

/**
 * The first `need` matches in `_id` order, walking the documents in primary-key order: for a
 * search sorted by id (the default), matches come without sorting every one of them. Null when
 * over budget or on meeting an id whose key order may not be mingo's.
 */
export function runIdOrderedScan(
  storage: CollectionStorage, test: Matcher, reverse: boolean, limits: OrderedScanLimits, stats: ScanStats,
): Document[] | null {
  const out: Document[] = [];
  for (const doc of storage.docsInOrder(reverse, stats)) {
    if (!idOrderSafe(doc._id) || !withinBudget(limits, stats.docsExamined - 1)) return null;
    if (test(doc) && out.push(doc) >= limits.need) break;
  }
  return out;
}
