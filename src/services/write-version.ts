import type { Resource } from 'fhir/r4.js';
import { extractSearchIndex } from '../search/index.js';
import type { Session, Store } from '../store/types.js';
import { SEARCH_PARAMETER_TYPE } from './search-parameter-registry.js';
import { prepareSearchParameterWrite } from './search-parameter-writes.js';
import { CONSENT_TYPE, markConsentsChanged } from './subscriptions/active-consents.js';
import { SUBSCRIPTION_TYPE, markSubscriptionsChanged } from './subscriptions/subscription-registry.js';
import {
  type CurrentDocument, HISTORY_COLLECTION, type HistoryDocument, type HistoryMethod, type Version, historyKey, patientOfEntries,
} from './stored-document.js';
import { organizationsOfEntries } from './organization-elements.js';

/** A lastUpdated strictly after the previous version's, even when the clock has not moved on. */
function nextTimestamp(previous: Date | undefined): Date {
  const now = Date.now();
  return new Date(previous && previous.getTime() >= now ? previous.getTime() + 1 : now);
}

/** The server owns meta.versionId and meta.lastUpdated; everything else in meta is the client's. */
function withServerMeta(resource: Resource, id: string, versionId: number, lastUpdated: Date): Resource {
  return { ...resource, id, meta: { ...resource.meta, versionId: String(versionId), lastUpdated: lastUpdated.toISOString() } };
}

/** A version as written, with the current document stored for it (its search index entries included). */
export interface WrittenVersion {
  version: Version;
  document: CurrentDocument;
}

/** The documents of one new version: the current document (with its search index entries) and its history entry. */
export interface VersionDocuments extends WrittenVersion {
  history: HistoryDocument;
}

/** What a current document holds derived from its resource: search index entries, sort keys, its patient and organizations. */
export function indexedFields(type: string, id: string, resource: Resource): Pick<CurrentDocument, 'idx' | 'sk' | 'patient' | 'organizations'> {
  const { idx, sk } = extractSearchIndex(resource);
  return { idx, sk, patient: patientOfEntries(type, id, idx) ?? null, organizations: organizationsOfEntries(type, idx) };
}

/** The next version of a resource after `previous` (none: its first), as documents to store. `resource: null` is a delete. */
export function versionDocuments(type: string, id: string, previous: CurrentDocument | null, resource: Resource | null, method: HistoryMethod): VersionDocuments {
  const versionId = (previous?.versionId ?? 0) + 1;
  const lastUpdated = nextTimestamp(previous?.lastUpdated);
  const stored = resource && withServerMeta(resource, id, versionId, lastUpdated);
  const json = stored && JSON.stringify(stored);
  const document: CurrentDocument = {
    _id: id, versionId, lastUpdated, deleted: !stored, json,
    ...(stored ? indexedFields(type, id, stored) : { idx: {}, sk: {}, patient: null, organizations: null }),
  };
  const history: HistoryDocument = {
    _id: historyKey(type, id, versionId), type, id, versionId, lastUpdated, deleted: !stored, method, json: null,
    ...(stored ? { current: true } : {}),
  };
  return { version: { type, id, versionId, lastUpdated, deleted: !stored, method, json }, document, history };
}

/**
 * Writes the next version of one resource inside a transaction: the current document
 * (with its search index entries) and the history entry. `resource: null` writes a delete.
 */
export async function writeVersion(
  store: Store, session: Session, type: string, id: string,
  previous: CurrentDocument | null, resource: Resource | null, method: HistoryMethod,
): Promise<WrittenVersion> {
  if (type === SEARCH_PARAMETER_TYPE) await prepareSearchParameterWrite(store, session, id, resource);
  // what processes keep derived from these types is checked against their markers (change-marker.ts)
  if (type === CONSENT_TYPE) await markConsentsChanged(store, session);
  if (type === SUBSCRIPTION_TYPE) await markSubscriptionsChanged(store, session);
  const { version, document, history } = versionDocuments(type, id, previous, resource, method);
  const collection = store.collection<CurrentDocument>(type);
  const histories = store.collection<HistoryDocument>(HISTORY_COLLECTION);
  if (previous) await collection.replaceOne({ _id: id }, document, { session });
  else await collection.insertOne(document, { session });
  if (previous && !previous.deleted) {
    const superseded = historyKey(type, id, previous.versionId);
    await histories.updateOne({ _id: superseded }, { $set: { json: previous.json }, $unset: { current: '' } }, { session });
  }
  await histories.insertOne(history, { session });
  return { version, document };
}
