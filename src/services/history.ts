import type { Filter, Store } from '../store/types.js';
import { withBodies } from './history-bodies.js';
import { type HistoryDocument, type Version, historyCollectionOf, historyKey } from './stored-document.js';

export interface HistoryScope {
  type?: string;
  id?: string;
}

export interface HistoryQuery {
  since?: Date;
  count: number;
  /** The position after which the page starts (the last entry of the previous page). */
  after?: HistoryPosition;
}

export interface HistoryPosition {
  lastUpdated: Date;
  key: string;
}

export interface HistoryPage {
  versions: Version[];
  /** Where the next page starts, when there is one. */
  next?: HistoryPosition;
}

export async function readVersion(store: Store, type: string, id: string, versionId: number): Promise<Version | null> {
  const doc = await store.collection<HistoryDocument>(historyCollectionOf(type)).findOne({ _id: historyKey(type, id, versionId) });
  return doc && (await withBodies(store, [doc]))[0]!;
}

function historyFilter(scope: HistoryScope, query: HistoryQuery): Filter {
  const filter: Filter = {};
  if (scope.type) filter.type = scope.type;
  if (scope.id) filter.id = scope.id;
  const clauses: Filter[] = [filter];
  if (query.since) clauses.push({ lastUpdated: { $gte: query.since } });
  if (query.after) {
    const { lastUpdated, key } = query.after;
    clauses.push({ $or: [{ lastUpdated: { $lt: lastUpdated } }, { lastUpdated, _id: { $lt: key } }] });
  }
  return clauses.length === 1 ? filter : { $and: clauses };
}

/**
 * One page of history, newest first (http.html#history). Pages are keyed by the last entry
 * seen, not by an offset, so writes made while a client pages never shift or repeat entries.
 */
export async function historyPage(store: Store, scope: HistoryScope, query: HistoryQuery): Promise<HistoryPage> {
  const docs = await store
    .collection<HistoryDocument>(historyCollectionOf(scope.type))
    .find(historyFilter(scope, query), { sort: { lastUpdated: -1, _id: -1 }, limit: query.count + 1 })
    .toArray();
  const page = docs.slice(0, query.count);
  const last = page[page.length - 1];
  const next = docs.length > query.count && last ? { lastUpdated: last.lastUpdated, key: last._id } : undefined;
  return { versions: await withBodies(store, page), next };
}
