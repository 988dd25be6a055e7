/**
 * The audit chain in the store. The head of the chain (`audit_chain`, `{ _id: 'head', sequence, hash }`)
 * is read and moved in the same transaction as the AuditEvents linked to it, so concurrent appends
 * are serialised by the store and never fork the chain. The AuditEvents are stored as current
 * documents like any resource, without history entries (audit-event-versions.ts); `audit_sequence`
 * maps each place in the chain to its AuditEvent, since their JSON cannot be sorted on through an index.
 */
import type { AuditEvent } from 'fhir/r4.js';
import { newId } from '../fhir/ids.js';
import { type CurrentDocument, resourceOf } from '../services/stored-document.js';
import { versionDocuments } from '../services/write-version.js';
import type { Session, Store } from '../store/types.js';
import { type ChainHead, chainLink, linkOf } from './hash-chain.js';

export const AUDIT_CHAIN_COLLECTION = 'audit_chain';
export const AUDIT_SEQUENCE_COLLECTION = 'audit_sequence';
const HEAD_ID = 'head';
const AUDIT_EVENT = 'AuditEvent';
/** How many chain entries one read of `audit_sequence` takes. */
const PAGE_SIZE = 256;

interface ChainHeadDocument extends ChainHead {
  _id: string;
  [key: string]: unknown;
}

/**
 * One place in the chain. `_id` is the sequence zero-padded, so the ids sort in chain order;
 * `sequence` repeats it as a number for an indexed range read (the embedded engine walks
 * `_id` ranges from the start).
 */
export interface AuditSequenceEntry {
  _id: string;
  sequence: number;
  id: string;
  recorded: Date;
  [key: string]: unknown;
}

export function sequenceKey(sequence: number): string {
  return String(sequence).padStart(16, '0');
}

const indexed = new WeakMap<Store, Promise<void>>();

/** The indexes the ordered read uses; idempotent, made once per store in this process. */
export function ensureAuditIndexes(store: Store): Promise<void> {
  let pending = indexed.get(store);
  if (!pending) {
    const entries = store.collection<AuditSequenceEntry>(AUDIT_SEQUENCE_COLLECTION);
    pending = (async () => {
      await entries.createIndex({ sequence: 1 });
      await entries.createIndex({ recorded: 1 });
    })();
    pending.catch(() => indexed.delete(store));
    indexed.set(store, pending);
  }
  return pending;
}

/**
 * Links each event to the chain head and stores it, inside the caller's transaction (`session`
 * of `store`): the events, their versions, their sequence entries and the moved head commit
 * together or not at all. The events are written in one bulk write per collection, as first
 * versions of new AuditEvents: the server made them, so they are neither validated nor hooked.
 * Returns the ids given to the events, in order.
 */
export async function appendAuditEvents(store: Store, session: Session, events: AuditEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const heads = store.collection<ChainHeadDocument>(AUDIT_CHAIN_COLLECTION);
  const found = await heads.findOne({ _id: HEAD_ID }, { session });
  let head: ChainHead | undefined = found ? { sequence: found.sequence, hash: found.hash } : undefined;
  const documents: CurrentDocument[] = [];
  const entries: AuditSequenceEntry[] = [];
  for (const event of events) {
    const linked = chainLink(event, head);
    const link = linkOf(linked)!;
    // no history entry: an AuditEvent has one version, read from its current document (audit-event-versions.ts)
    const { document } = versionDocuments(AUDIT_EVENT, newId(), null, linked, 'POST');
    documents.push(document);
    // a unique _id per sequence: two appends from one head cannot both commit
    entries.push({ _id: sequenceKey(link.sequence), sequence: link.sequence, id: document._id, recorded: new Date(linked.recorded) });
    head = { sequence: link.sequence, hash: link.hash };
  }
  await store.collection<CurrentDocument>(AUDIT_EVENT).bulkWrite(documents.map((document) => ({ insertOne: { document } })), { session });
  await store.collection<AuditSequenceEntry>(AUDIT_SEQUENCE_COLLECTION).bulkWrite(entries.map((document) => ({ insertOne: { document } })), { session });
  await heads.replaceOne({ _id: HEAD_ID }, { _id: HEAD_ID, ...head! }, { upsert: true, session });
  return documents.map((document) => document._id);
}

/**
 * The stored AuditEvents in chain order, for verifyChain. With `from`, starting at the event
 * recorded first at or after it; with `to`, stopping before the first event (in chain order)
 * recorded at or after it, so what is read is always an unbroken run of the chain. An entry
 * whose AuditEvent is gone (or deleted) is skipped, which the verifier sees as a gap.
 */
export async function* auditEventsInOrder(store: Store, from?: Date, to?: Date): AsyncIterable<AuditEvent> {
  await ensureAuditIndexes(store);
  const entries = store.collection<AuditSequenceEntry>(AUDIT_SEQUENCE_COLLECTION);
  let bound: Record<string, number> = { $gte: 1 };
  if (from) {
    const [first] = await entries.find({ recorded: { $gte: from } }, { sort: { recorded: 1 }, limit: 1 }).toArray();
    if (!first) return;
    bound = { $gte: first.sequence };
  }
  for (;;) {
    const page = await entries.find({ sequence: bound }, { sort: { sequence: 1 }, limit: PAGE_SIZE }).toArray();
    const end = to ? page.findIndex((entry) => entry.recorded >= to) : -1;
    const taken = end === -1 ? page : page.slice(0, end);
    yield* await storedEvents(store, taken);
    if (end !== -1 || page.length < PAGE_SIZE) return;
    bound = { $gt: page[page.length - 1]!.sequence };
  }
}

/** The AuditEvents the entries name, in the entries' order; missing ones left out. */
async function storedEvents(store: Store, entries: AuditSequenceEntry[]): Promise<AuditEvent[]> {
  if (entries.length === 0) return [];
  const ids = entries.map((entry) => entry.id);
  const docs = await store.collection<CurrentDocument>(AUDIT_EVENT).find({ _id: { $in: ids } }, { projection: { json: 1 } }).toArray();
  const byId = new Map(docs.map((doc) => [doc._id, doc]));
  return ids.flatMap((id) => {
    const json = byId.get(id)?.json;
    return json ? [resourceOf({ json }) as AuditEvent] : [];
  });
}
