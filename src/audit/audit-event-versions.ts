/**
 * The versions of AuditEvents. An AuditEvent is written once and never changed, so it has one
 * version, its current document, and no entry in the `history` collection: its vread and its
 * history are read from the AuditEvent collection itself. That keeps the audit log, which grows
 * with every read, out of system-level history, and costs each AuditEvent one document less.
 */
import { type HistoryPage, type HistoryQuery, historyFilter } from '../services/history.js';
import { type CurrentDocument, type Version, versionOf } from '../services/stored-document.js';
import type { Store } from '../store/types.js';

const AUDIT_EVENT = 'AuditEvent';

function auditVersionOf(doc: CurrentDocument): Version {
  return { ...versionOf(AUDIT_EVENT, doc), method: 'POST' };
}

export async function auditEventVersion(store: Store, id: string, versionId: number): Promise<Version | null> {
  const doc = await store.collection<CurrentDocument>(AUDIT_EVENT).findOne({ _id: id });
  return doc && doc.versionId === versionId ? auditVersionOf(doc) : null;
}

/** One page of AuditEvent history (of one event, or of all of them), newest first, keyed like any history page. */
export async function auditEventHistoryPage(store: Store, id: string | undefined, query: HistoryQuery): Promise<HistoryPage> {
  const docs = await store.collection<CurrentDocument>(AUDIT_EVENT)
    .find(historyFilter(id ? { _id: id } : {}, query), { sort: { lastUpdated: -1, _id: -1 }, limit: query.count + 1 })
    .toArray();
  const page = docs.slice(0, query.count);
  const last = page[page.length - 1];
  const next = docs.length > query.count && last ? { lastUpdated: last.lastUpdated, key: last._id } : undefined;
  return { versions: page.map(auditVersionOf), next };
}
