/**
 * Links audit events into the hash chain, in batches, from `audit_pending`: the events write
 * transactions stored there, and the batches of records (reads, searches, failures) the main
 * thread stored there, oldest first; each batch in one store transaction, which also removes what
 * it linked. Only the linker moves the chain head, so writes never contend for it.
 */
import type { AuditEvent } from 'fhir/r4.js';
import type { Session, Store } from '../store/types.js';
import { type AuditObserver, type AuditRecord, auditEventOf } from './audit-event.js';
import { appendAuditEvents, ensureAuditIndexes } from './audit-chain-store.js';

export const AUDIT_PENDING_COLLECTION = 'audit_pending';
/** Events linked per transaction (at least one pending document's). */
const BATCH = 500;
/** Pending documents looked at per transaction. */
const PENDING_PAGE = 64;

/** What waits in `audit_pending`: one event of a write, or a batch of records. */
export interface PendingAuditEvent {
  /** Time, process and a counter: sorts in about the order things happened. */
  _id: string;
  /** The AuditEvent of one write, as JSON. */
  json?: string;
  /** AuditRecords of interactions that wrote nothing, as a JSON array. */
  records?: string;
  [key: string]: unknown;
}

let counter = 0;

/** An `_id` for `audit_pending` that sorts after the ones made before it (in this process). */
export function pendingId(at: Date = new Date()): string {
  return `${at.toISOString()}-${process.pid}-${String(counter++).padStart(10, '0')}`;
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

  private async linkBatch(session: Session): Promise<boolean> {
    const pendingEvents = this.store.collection<PendingAuditEvent>(AUDIT_PENDING_COLLECTION);
    const pending = await pendingEvents.find({}, { session, sort: { _id: 1 }, limit: PENDING_PAGE }).toArray();
    const taken: PendingAuditEvent[] = [];
    const events: AuditEvent[] = [];
    for (const doc of pending) {
      if (events.length >= BATCH) break;
      taken.push(doc);
      events.push(...this.eventsOf(doc));
    }
    if (taken.length === 0) return false;
    await appendAuditEvents(this.store, session, events);
    await pendingEvents.bulkWrite(taken.map((doc) => ({ deleteOne: { filter: { _id: doc._id } } })), { session });
    return taken.length < pending.length || pending.length === PENDING_PAGE;
  }

  private eventsOf(doc: PendingAuditEvent): AuditEvent[] {
    if (doc.json) return [JSON.parse(doc.json) as AuditEvent];
    const records = JSON.parse(doc.records ?? '[]') as (AuditRecord & { recorded: string })[];
    return records.map((record) => auditEventOf({ ...record, recorded: new Date(record.recorded) }, this.observer));
  }
}
