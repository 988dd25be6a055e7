import type { Store } from '../store/types.js';
import { type CurrentDocument, HISTORY_COLLECTION, type HistoryDocument, type Version, versionOfHistory } from './stored-document.js';

/** The current documents of the history entries that are still the latest version of their resource. */
async function currentDocuments(store: Store, docs: HistoryDocument[]): Promise<Map<string, CurrentDocument>> {
  const idsByType = new Map<string, string[]>();
  for (const doc of docs) if (doc.current) idsByType.set(doc.type, [...(idsByType.get(doc.type) ?? []), doc.id]);
  const found = new Map<string, CurrentDocument>();
  for (const [type, ids] of idsByType) {
    for (const doc of await store.collection<CurrentDocument>(type).find({ _id: { $in: ids } }).toArray()) {
      found.set(`${type}/${doc._id}`, doc);
    }
  }
  return found;
}

/**
 * A write superseded the version between the two reads: it moved the body into the history
 * document in the same transaction, so reading that document again finds it.
 */
async function reread(store: Store, doc: HistoryDocument): Promise<Version> {
  const again = await store.collection<HistoryDocument>(HISTORY_COLLECTION).findOne({ _id: doc._id });
  if (!again || again.current) throw new Error(`history of ${doc._id} changed without its body`);
  return versionOfHistory(again);
}

/** History entries as versions with their bodies: the latest version's body lives in the current document. */
export async function withBodies(store: Store, docs: HistoryDocument[]): Promise<Version[]> {
  const current = await currentDocuments(store, docs);
  return Promise.all(docs.map(async (doc) => {
    if (!doc.current) return versionOfHistory(doc);
    const latest = current.get(`${doc.type}/${doc.id}`);
    if (latest?.versionId === doc.versionId) return { ...versionOfHistory(doc), json: latest.json };
    return reread(store, doc);
  }));
}
