/**
 * The outbox: one document per event a subscription matched, written in the transaction of the
 * write that caused it, so nothing is lost when the process dies. Pending items are delivered in
 * event-number order per subscription; the others record why they were not (blocked) or gave up
 * (failed), so "why did my result not arrive?" has an answer.
 */
import type { Store } from '../../store/types.js';

export const OUTBOX_COLLECTION = 'subscription_outbox';
/** One document per subscription: its event counter, its delivery lease and its heartbeat clock. */
export const STATE_COLLECTION = 'subscription_state';

export type OutboxStatus = 'pending' | 'delivered' | 'blocked' | 'failed';
export type BlockReason = 'not-final' | 'no-active-consent' | 'subscription-off' | 'subscription-error' | 'subscription-deleted';

export interface DeliveryAttempt {
  at: Date;
  /** The endpoint's HTTP status, when it answered. */
  httpStatus?: number;
  error?: string;
  durationMs: number;
}

export interface OutboxItem {
  /** `<subscription>/<event number, zero-padded>`, so _id order is event order. */
  _id: string;
  subscription: string;
  /** 0 for a blocked match, which is no event for the receiver. */
  eventNumber: number;
  /** `DiagnosticReport/123`: the resource the event is about. */
  focus: string;
  versionId: number;
  status: OutboxStatus;
  reason?: BlockReason;
  detail?: string;
  createdAt: Date;
  nextAttemptAt: Date;
  attempts: DeliveryAttempt[];
  deliveredAt?: Date;
  [key: string]: unknown;
}

export interface SubscriptionState {
  _id: string;
  eventCount: number;
  /** Pending outbox items, and when the first of them is due: what the dispatcher looks for. */
  pending: number;
  dueAt?: Date;
  leaseOwner?: string;
  leaseUntil?: Date;
  lastSentAt?: Date;
  [key: string]: unknown;
}

export function outboxId(subscription: string, eventNumber: number, blockedKey?: string): string {
  return `${subscription}/${String(eventNumber).padStart(12, '0')}${blockedKey ? `/${blockedKey}` : ''}`;
}

export async function ensureOutboxIndexes(store: Store): Promise<void> {
  const outbox = store.collection<OutboxItem>(OUTBOX_COLLECTION);
  await outbox.createIndex({ status: 1, nextAttemptAt: 1 });
  await outbox.createIndex({ subscription: 1, status: 1, eventNumber: 1 });
  await outbox.createIndex({ focus: 1 });
  await store.collection<SubscriptionState>(STATE_COLLECTION).createIndex({ dueAt: 1 });
}
