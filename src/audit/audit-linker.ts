/**
 * Links audit events into the hash chain, in batches: the events written by write transactions
 * into `audit_pending` (oldest first), then the events handed to it, each batch in one store
 * transaction. Only the linker moves the chain head, so writes never contend for it.
 */
import type { AuditEvent } from 'fhir/r4.js';
import type { Session, Store } from '../store/types.js';
import { appendAuditEvents, ensureAuditIndexes } from './audit-chain-store.js';

export const AUDIT_PENDING_COLLECTION = 'audit_pending';
/** Events linked per transaction. */
const BATCH = 500;

export interface PendingAuditEvent {
  /** Recorded time, process and a counter: sorts in about the order the writes committed. */
  _id: string;
  json: string;
  [key: string]: unknown;
}

export class AuditLinker {
  private queue: AuditEvent[] = [];

  constructor(private readonly store: Store) {}

  start(): Promise<void> {
    return ensureAuditIndexes(this.store);
  }

  add(events: AuditEvent[]): void {
    this.queue.push(...events);
  }

  /** Links everything pending and queued; what a failed transaction held goes back to the queue. */
  async linkAll(): Promise<void> {
    for (;;) {
      const queued = this.queue.splice(0, BATCH);
      let pendingLinked: number;
      try {
        pendingLinked = await this.store.withTransaction((session) => this.linkBatch(session, queued));
      } catch (err) {
        this.queue.unshift(...queued);
        throw err;
      }
      if (pendingLinked < BATCH && this.queue.length === 0) return;
    }
  }

  /** One transaction: the oldest pending events, then `queued`. Returns how many were pending. */
  private async linkBatch(session: Session, queued: AuditEvent[]): Promise<number> {
    const pendingEvents = this.store.collection<PendingAuditEvent>(AUDIT_PENDING_COLLECTION);
    const pending = await pendingEvents.find({}, { session, sort: { _id: 1 }, limit: BATCH }).toArray();
    if (pending.length === 0 && queued.length === 0) return 0;
    await appendAuditEvents(this.store, session, [...pending.map((doc) => JSON.parse(doc.json) as AuditEvent), ...queued]);
    if (pending.length > 0) await pendingEvents.bulkWrite(pending.map((doc) => ({ deleteOne: { filter: { _id: doc._id } } })), { session });
    return pending.length;
  }
}
