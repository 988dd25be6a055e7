import type { Filter, Store } from '../store/types.js';
import { withBodies } from './history-bodies.js';
import { auditEventHistoryPage, auditEventVersion } from '../audit/audit-event-versions.js';
import { HISTORY_COLLECTION, type HistoryDocument, type Version, historyKey } from './stored-document.js';

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
  if (type === 'AuditEvent') return auditEventVersion(store, id, versionId);
  const doc = await store.collection<HistoryDocument>(HISTORY_COLLECTION).findOne({ _id: historyKey(type, id, versionId) });
  return doc && (await withBodies(store, [doc]))[0]!;
}

/** The filter of a history page: `scope` (a type, an id), then `since` and the position after which the page starts. */
export function historyFilter(scope: Filter, query: HistoryQuery): Filter {
  const filter: Filter = { ...scope };
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
  if (scope.type === 'AuditEvent') return auditEventHistoryPage(store, scope.id, query);
  const docs = await store
    .collection<HistoryDocument>(HISTORY_COLLECTION)
    .find(historyFilter({ ...(scope.type ? { type: scope.type } : {}), ...(scope.id ? { id: scope.id } : {}) }, query), { sort: { lastUpdated: -1, _id: -1 }, limit: query.count + 1 })
    .toArray();
  const page = docs.slice(0, query.count);
  const last = page[page.length - 1];
  const next = docs.length > query.count && last ? { lastUpdated: last.lastUpdated, key: last._id } : undefined;
  return { versions: await withBodies(store, page), next };
}
