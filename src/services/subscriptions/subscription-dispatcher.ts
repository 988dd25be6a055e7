/**
 * Delivers the outbox: for each subscription with due events, one process (the lease holder)
 * sends them in event-number order, each as a signed notification Bundle; a failure stops that
 * subscription's queue until its retry time (exponential back-off with jitter), and after the
 * retry horizon the event fails and the subscription goes to error. Consent is checked again
 * at delivery, so a revoked consent stops what was not yet delivered. Restarted, a process
 * simply finds the pending items again: delivery is at least once, with event numbers.
 */
import type { FhirResource, Subscription } from 'fhir/r4.js';
import { randomUUID } from 'node:crypto';
import type { SubscriptionSettings } from '../../config.js';
import type { Filter, Store } from '../../store/types.js';
import type { Repository } from '../repository.js';
import type { BundleSigning } from '../signing/bundle-signing.js';
import { type CurrentDocument, resourceOf } from '../stored-document.js';
import { consentDecision } from './consent-gate.js';
import { postNotification } from './endpoint-post.js';
import { notificationBundle, type NotificationType } from './notification-bundle.js';
import { type BlockReason, type DeliveryAttempt, OUTBOX_COLLECTION, type OutboxItem, STATE_COLLECTION, type SubscriptionState } from './outbox.js';
import { retryDelayMs } from './retry-delay.js';
import type { SubscriptionDefinition } from './subscription-definition.js';
import { SubscriptionLeases } from './subscription-leases.js';
import { SUBSCRIPTION_TYPE, storedDefinition } from './subscription-registry.js';

const IDLE_POLL_MS = 200;
const EAGER_MS = 200;
const EAGER_POLL_MS = 5;
const HEARTBEAT_CHECK_MS = 1000;

export interface DispatcherContext {
  store: Store;
  repository: Repository;
  signing: BundleSigning;
  settings: SubscriptionSettings;
  /** The FHIR base URL notifications name resources by. */
  baseUrl: () => string;
  log: { warn(details: object, message: string): void; error(details: object, message: string): void };
}

export class SubscriptionDispatcher {
  private readonly owner = randomUUID();
  private readonly leases: SubscriptionLeases;
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private woken = false;
  private stopped = true;
  private lastHeartbeatCheck = 0;
  private eagerUntil = 0;

  constructor(private readonly context: DispatcherContext) {
    this.leases = new SubscriptionLeases(context.store, this.owner, context.settings.leaseSeconds * 1000);
  }

  private get outbox() {
    return this.context.store.collection<OutboxItem>(OUTBOX_COLLECTION);
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled(this.inFlight.values());
  }

  /**
   * An event was queued: look again now rather than at the next poll. The wake comes from inside
   * the write's transaction, before its commit, so for a moment the dispatcher keeps looking often.
   */
  wake(): void {
    this.woken = true;
    this.eagerUntil = Date.now() + EAGER_MS;
    if (!this.ticking && !this.stopped) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    this.ticking = true;
    this.woken = false;
    try {
      await this.startDueSubscriptions();
      await this.sendDueHeartbeats();
    } catch (err) {
      this.context.log.error({ err }, 'subscription dispatcher tick failed');
    } finally {
      this.ticking = false;
      if (!this.stopped) this.schedule(this.woken ? 0 : Date.now() < this.eagerUntil ? EAGER_POLL_MS : IDLE_POLL_MS);
    }
  }

  private get states() {
    return this.context.store.collection<SubscriptionState>(STATE_COLLECTION);
  }

  /** Subscriptions with pending events whose first one is due, oldest first. */
  private async startDueSubscriptions(): Promise<void> {
    const due = await this.states.find({ pending: { $gt: 0 }, dueAt: { $lte: new Date() } }, { sort: { dueAt: 1 }, limit: 200 }).toArray();
    for (const { _id: subscription } of due) {
      if (this.inFlight.size >= this.context.settings.concurrency) break;
      if (this.inFlight.has(subscription)) continue;
      const run = this.deliverQueue(subscription)
        .then((progressed) => {
          if (progressed) this.wake();
        })
        .catch((err: unknown) => this.context.log.error({ err, subscription }, 'subscription delivery failed'))
        .finally(() => this.inFlight.delete(subscription));
      this.inFlight.set(subscription, run);
    }
  }

  /** Sends the subscription's due events in order while it holds the lease and each one goes; true when any did. */
  private async deliverQueue(subscription: string): Promise<boolean> {
    if (!(await this.leases.claim(subscription))) return false;
    let progressed = false;
    try {
      while (!this.stopped) {
        const head = await this.outbox.findOne({ subscription, status: 'pending' }, { sort: { eventNumber: 1 } });
        if (!head) return this.recount(subscription).then(() => progressed);
        if (head.nextAttemptAt > new Date() || !(await this.deliverItem(head))) return progressed;
        progressed = true;
        if (!(await this.leases.claim(subscription))) return progressed;
      }
      return progressed;
    } finally {
      await this.leases.release(subscription);
    }
  }

  /**
   * No pending item while the state counts some (only after a crash between two writes of another
   * store): the count is set from the outbox, in a transaction, so an event queued meanwhile is not lost.
   */
  private async recount(subscription: string): Promise<void> {
    await this.context.store.withTransaction(async (session) => {
      const state = await this.states.findOne({ _id: subscription }, { session });
      if (!state || state.pending <= 0) return;
      const pending = await this.outbox.countDocuments({ subscription, status: 'pending' }, { session });
      await this.states.updateOne({ _id: subscription }, { $set: { pending, dueAt: new Date() } }, { session });
    });
  }

  /** An outbox item's new state and the subscription's queue, in one transaction. */
  private async settle(item: OutboxItem, itemUpdate: Filter, stateUpdate: Filter): Promise<void> {
    await this.context.store.withTransaction(async (session) => {
      await this.outbox.updateOne({ _id: item._id, status: 'pending' }, itemUpdate, { session });
      await this.states.updateOne({ _id: item.subscription }, stateUpdate, { session });
    });
  }

  private async definitionOf(subscription: string): Promise<SubscriptionDefinition | undefined> {
    const doc = await this.context.store.collection<CurrentDocument>(SUBSCRIPTION_TYPE).findOne({ _id: subscription });
    return doc && !doc.deleted ? storedDefinition(doc) : undefined;
  }

  private async block(item: OutboxItem, reason: BlockReason, detail: string): Promise<true> {
    await this.settle(item, { $set: { status: 'blocked', reason, detail } }, { $inc: { pending: -1 }, $set: { dueAt: new Date() } });
    return true;
  }

  /** True when the queue may go on to the next event (delivered or set aside), false when it must wait. */
  private async deliverItem(item: OutboxItem): Promise<boolean> {
    const definition = await this.definitionOf(item.subscription);
    if (!definition) return this.block(item, 'subscription-deleted', `Subscription/${item.subscription} is deleted or no longer usable`);
    if (definition.status === 'off') return this.block(item, 'subscription-off', `Subscription/${item.subscription} was turned off`);
    if (definition.status === 'error') return this.block(item, 'subscription-error', `Subscription/${item.subscription} is in error`);
    const [type, id] = item.focus.split('/') as [string, string];
    const resource = resourceOf(await this.context.repository.vread(type, id, item.versionId)) as FhirResource;
    if (!definition.consentExempt) {
      const consent = await consentDecision(this.context.store, resource, new Date());
      if (!consent.allowed) return this.block(item, consent.reason, consent.detail);
    }
    const attempt = await this.send(definition, 'event-notification', [item], resource);
    if (attempt.ok) {
      const deliveredAt = new Date();
      await this.settle(item, { $set: { status: 'delivered', deliveredAt }, $push: { attempts: withoutOk(attempt) } }, { $inc: { pending: -1 }, $set: { dueAt: deliveredAt } });
      return true;
    }
    await this.retryOrFail(item, definition, attempt);
    return false;
  }

  private async send(definition: SubscriptionDefinition, type: NotificationType, items: OutboxItem[], resource?: FhirResource): Promise<DeliveryAttempt & { ok: boolean }> {
    const state = await this.states.findOne({ _id: definition.id });
    const events = items.map((item) => {
      const [focusType, focusId] = item.focus.split('/') as [string, string];
      return { eventNumber: item.eventNumber, timestamp: item.createdAt, focus: { type: focusType, id: focusId, versionId: item.versionId }, resource };
    });
    const bundle = notificationBundle({
      baseUrl: this.context.baseUrl(), subscriptionId: definition.id, status: definition.status, type, events,
      eventsSinceSubscriptionStart: state?.eventCount ?? 0, payload: definition.payload,
    });
    const signed = this.context.signing.sign(bundle, 'A notification');
    // a delivery must end inside the lease, or another process could send the next event meanwhile
    const timeoutMs = Math.min(definition.timeoutSeconds ?? this.context.settings.timeoutSeconds, this.context.settings.leaseSeconds - 1) * 1000;
    const attempt = await postNotification(definition.endpoint, definition.headers, signed, timeoutMs);
    if (attempt.ok) await this.states.updateOne({ _id: definition.id }, { $set: { lastSentAt: attempt.at } });
    return attempt;
  }

  private async retryOrFail(item: OutboxItem, definition: SubscriptionDefinition, attempt: DeliveryAttempt & { ok: boolean }): Promise<void> {
    const { retryBaseMs, retryMaxMs, retryHorizonSeconds } = this.context.settings;
    const tries = item.attempts.length + 1;
    const pastHorizon = attempt.at.getTime() - item.createdAt.getTime() >= retryHorizonSeconds * 1000;
    if (!pastHorizon) {
      const nextAttemptAt = new Date(attempt.at.getTime() + retryDelayMs(tries, retryBaseMs, retryMaxMs));
      await this.settle(item, { $set: { nextAttemptAt }, $push: { attempts: withoutOk(attempt) } }, { $set: { dueAt: nextAttemptAt } });
      return;
    }
    const detail = `gave up after ${tries} attempts over ${retryHorizonSeconds} s; last: ${attempt.error ?? `HTTP ${attempt.httpStatus}`}`;
    await this.settle(item, { $set: { status: 'failed', detail }, $push: { attempts: withoutOk(attempt) } }, { $inc: { pending: -1 }, $set: { dueAt: new Date() } });
    await this.setError(definition.id, detail);
  }

  private async setError(subscription: string, detail: string): Promise<void> {
    try {
      const current = resourceOf(await this.context.repository.read(SUBSCRIPTION_TYPE, subscription)) as Subscription;
      await this.context.repository.update(SUBSCRIPTION_TYPE, subscription, { ...current, status: 'error', error: detail });
    } catch (err) {
      this.context.log.warn({ err, subscription }, 'could not set the subscription to error');
    }
  }

  /** Heartbeats (Backport IG heartbeat period): a subscription idle for its period hears from the server. */
  private async sendDueHeartbeats(): Promise<void> {
    if (Date.now() - this.lastHeartbeatCheck < HEARTBEAT_CHECK_MS) return;
    this.lastHeartbeatCheck = Date.now();
    const docs = await this.context.store.collection<CurrentDocument>(SUBSCRIPTION_TYPE).find({ deleted: false }).toArray();
    for (const definition of docs.map(storedDefinition)) {
      if (!definition?.heartbeatSeconds || definition.status !== 'active' || this.inFlight.has(definition.id)) continue;
      const state = await this.states.findOne({ _id: definition.id });
      if (state?.lastSentAt && Date.now() - state.lastSentAt.getTime() < definition.heartbeatSeconds * 1000) continue;
      await this.heartbeat(definition);
    }
  }

  private async heartbeat(definition: SubscriptionDefinition): Promise<void> {
    const states = this.states;
    await states.updateOne({ _id: definition.id }, { $setOnInsert: { eventCount: 0, pending: 0 } }, { upsert: true });
    if (!(await this.leases.claim(definition.id))) return;
    try {
      const attempt = await this.send(definition, 'heartbeat', []);
      // an unanswered heartbeat is tried again at the next period, not retried like an event
      if (!attempt.ok) await states.updateOne({ _id: definition.id }, { $set: { lastSentAt: attempt.at } });
    } finally {
      await this.leases.release(definition.id);
    }
  }
}

function withoutOk({ ok: _ok, ...attempt }: DeliveryAttempt & { ok: boolean }): DeliveryAttempt {
  return attempt;
}
