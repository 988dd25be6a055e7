/**
 * Links audit events into the hash chain, in batches, from `audit_pending`: the events write
 * transactions stored there, and the batches of records (reads, searches, failures) the main
 * thread stored there, oldest first; each batch in one store transaction, which also removes what
 * it linked. Only the linker moves the chain head, so writes never contend for it.
 */
import type { AuditEvent } from 'fhir/r4.js';
import type { Collection, Session, Store } from '../store/types.js';
import { type AuditObserver, type AuditRecord, auditEventOf } from './audit-event.js';
import { appendAuditEvents, ensureAuditIndexes } from './audit-chain-store.js';

export const AUDIT_PENDING_COLLECTION = 'audit_pending';
/** Events linked per transaction (at least one pending document's). */
const BATCH = 500;
/** Pending documents read at a time, and at most per transaction. */
const PENDING_PAGE = 16;
const MAX_PENDING = 256;

/** What waits in `audit_pending`: one event of a write, or a batch of records. */
export interface PendingAuditEvent {
  /** Time, process and a counter: sorts in about the order things happened. */
  _id: string;
  /** The AuditEvent of one write, as JSON. */
  json?: string;
  /** AuditRecords of interactions that wrote nothing, as a JSON array. */
  records?: string;
  /** How many records `records` holds (absent in documents stored before it was kept). */
  count?: number;
  [key: string]: unknown;
}

let counter = 0;

/** An `_id` for `audit_pending` that sorts after the ones made before it (in this process). */
export function pendingId(at: Date = new Date()): string {
  return `${at.toISOString()}-${process.pid}-${String(counter++).padStart(10, '0')}`;
}

/** How many events a pending document holds. */
function eventCount(doc: PendingAuditEvent): number {
  if (doc.json) return 1;
  return doc.count ?? (JSON.parse(doc.records ?? '[]') as unknown[]).length;
}

export class AuditLinker {
  constructor(private readonly store: Store, private readonly observer: AuditObserver) {}

  start(): Promise<void> {
    return ensureAuditIndexes(this.store);
  }

  /** Links one batch; resolves whether more is pending. */
  linkOnce(): Promise<boolean> {
    return this.store.withTransaction((session) => this.linkBatch(session));
  }

  /** Links everything pending. */
  async linkAll(): Promise<void> {
    while (await this.linkOnce());
  }

  /**
   * The oldest pending documents are found outside the transaction, then read again inside it by
   * id, which records only those: a filter read of `audit_pending` inside it would record the whole
   * backlog and read it all again at commit. A document another linker took in between is missing
   * from the second read (or changes before commit, a conflict), and this batch links nothing.
   */
  private async linkBatch(session: Session): Promise<boolean> {
    const pendingEvents = this.store.collection<PendingAuditEvent>(AUDIT_PENDING_COLLECTION);
    const { ids, more } = await this.oldestPending(pendingEvents);
    if (ids.length === 0) return false;
    const taken = await pendingEvents.find({ _id: { $in: ids } }, { session, sort: { _id: 1 } }).toArray();
    if (taken.length < ids.length) return true;
    await appendAuditEvents(this.store, session, taken.flatMap((doc) => this.eventsOf(doc)));
    await pendingEvents.bulkWrite(taken.map((doc) => ({ deleteOne: { filter: { _id: doc._id } } })), { session });
    return more;
  }

  /** The ids of the oldest pending documents holding up to BATCH events (at least one document), and whether more wait. */
  private async oldestPending(pendingEvents: Collection<PendingAuditEvent>): Promise<{ ids: string[]; more: boolean }> {
    const ids: string[] = [];
    let events = 0;
    let after: string | undefined;
    for (let read = 0; read < MAX_PENDING; read += PENDING_PAGE) {
      const filter = after === undefined ? {} : { _id: { $gt: after } };
      const page = await pendingEvents.find(filter, { sort: { _id: 1 }, limit: PENDING_PAGE }).toArray();
      for (const doc of page) {
        const count = eventCount(doc);
        if (ids.length > 0 && events + count > BATCH) return { ids, more: true };
        ids.push(doc._id);
        events += count;
      }
      if (page.length < PENDING_PAGE) return { ids, more: false };
      after = page[page.length - 1]!._id;
    }
    return { ids, more: true };
  }

  private eventsOf(doc: PendingAuditEvent): AuditEvent[] {
    if (doc.json) return [JSON.parse(doc.json) as AuditEvent];
    const records = JSON.parse(doc.records ?? '[]') as (AuditRecord & { recorded: string })[];
    return records.map((record) => auditEventOf({ ...record, recorded: new Date(record.recorded) }, this.observer));
  }
}
