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
import type { AuditRecord } from '../../audit/audit-event.js';
import type { Filter, Store } from '../../store/types.js';
import type { Repository } from '../repository.js';
import type { BundleSigning } from '../signing/bundle-signing.js';
import { type CurrentDocument, resourceOf } from '../stored-document.js';
import { consentDecision } from './consent-gate.js';
import { deliveryAuditRecord } from './delivery-audit.js';
import { postNotification } from './endpoint-post.js';
import { notificationBundle, type NotificationType } from './notification-bundle.js';
import { type BlockReason, type DeliveryAttempt, OUTBOX_COLLECTION, type OutboxItem, STATE_COLLECTION, type SubscriptionState } from './outbox.js';
import { retryDelayMs } from './retry-delay.js';
import type { SubscriptionDefinition } from './subscription-definition.js';
import { SubscriptionLeases } from './subscription-leases.js';
import { SUBSCRIPTION_TYPE, storedDefinition } from './subscription-registry.js';

const IDLE_POLL_MS = 200;
/** A backlog goes out in notifications of up to this many events (the Backport IG allows several). */
const MAX_EVENTS_PER_NOTIFICATION = 50;
const EAGER_MS = 200;
/** Room a held lease must have beyond a delivery's timeout before one starts. */
const LEASE_MARGIN_MS = 500;
const EAGER_POLL_MS = 5;
const HEARTBEAT_CHECK_MS = 1000;

/** What became of outbox events at a delivery attempt: sent, scheduled again, given up, set aside. */
export type DeliveryResult = 'delivered' | 'retry' | 'failed' | 'blocked';

export interface DispatcherContext {
  store: Store;
  repository: Repository;
  signing: BundleSigning;
  settings: SubscriptionSettings;
  /** The FHIR base URL notifications name resources by. */
  baseUrl: () => string;
  log: { warn(details: object, message: string): void; error(details: object, message: string): void };
  /** Told each outcome once it is recorded in the outbox, with the number of events it concerns (the metrics). */
  recordDelivery?: (result: DeliveryResult, events: number) => void;
  /** Told each attempt to deliver events (the audit log). */
  audit?: (record: AuditRecord) => void;
}

export class SubscriptionDispatcher {
  private readonly owner = randomUUID();
  private readonly leases: SubscriptionLeases;
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private currentTick: Promise<void> | undefined;
  private ticking = false;
  private woken = false;
  private stopped = true;
  private lastHeartbeatCheck = 0;
  private eagerUntil = 0;
  private readonly definitions = new Map<string, { versionId: number; definition: SubscriptionDefinition | undefined }>();

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

  /** Between start and stop: what readiness asks. */
  get running(): boolean {
    return !this.stopped;
  }

  /**
   * Lets the tick and the deliveries under way finish (each ends after its current notification),
   * then frees every lease this process still holds, so another process takes over at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.currentTick;
    await Promise.allSettled(this.inFlight.values());
    try {
      await this.leases.releaseAll();
    } catch (err) {
      // the store is gone (closed or unreachable): the leases run out on their own instead
      this.context.log.error({ err }, 'subscription leases could not be released; they expire after SUBSCRIPTION_LEASE');
    }
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
    this.timer = setTimeout(() => {
      this.currentTick = this.tick();
    }, delayMs);
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
      if (this.stopped || this.inFlight.size >= this.context.settings.concurrency) break;
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

  /**
   * Sends the subscription's due events in order while it holds the lease and each one goes; true
   * when any did. The lease goes with the last pending event's delivery, or here when the queue stops.
   */
  private async deliverQueue(subscription: string): Promise<boolean> {
    let progressed = false;
    while (!this.stopped) {
      // read each round: the subscription's status decides delivery, its timeout the lease it needs
      const definition = await this.definitionOf(subscription);
      if (!(await this.leases.hold(subscription, this.deliveryTimeoutMs(definition) + LEASE_MARGIN_MS))) return progressed;
      const due = await this.outbox.find({ subscription, status: 'pending' }, { sort: { eventNumber: 1 }, limit: MAX_EVENTS_PER_NOTIFICATION }).toArray();
      if (due.length === 0) await this.recount(subscription);
      const sent = due.length > 0 && due[0]!.nextAttemptAt <= new Date() && (await this.deliverEvents(subscription, definition, due));
      if (!sent) {
        await this.leases.release(subscription);
        return progressed;
      }
      progressed = true;
      if (!this.leases.holds(subscription)) return progressed;
    }
    return progressed;
  }

  /** How long an endpoint may take: a delivery must end inside the lease, or another process could send the next event meanwhile. */
  private deliveryTimeoutMs(definition: SubscriptionDefinition | undefined): number {
    const { timeoutSeconds, leaseSeconds } = this.context.settings;
    return Math.min(definition?.timeoutSeconds ?? timeoutSeconds, leaseSeconds - 1) * 1000;
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

  /**
   * An outbox item's new state and the subscription's queue, in one transaction. It does not wait
   * for the disk: lost in a crash, the item is simply pending again and sent once more (at least once).
   */
  private async settle(item: OutboxItem, itemUpdate: Filter, stateUpdate: Filter): Promise<void> {
    await this.context.store.withTransaction(async (session) => {
      await this.outbox.updateOne({ _id: item._id, status: 'pending' }, itemUpdate, { session });
      await this.states.updateOne({ _id: item.subscription }, stateUpdate, { session });
    }, { deferDurability: true });
  }

  /** The subscription as it stands now (its status decides delivery); parsed once per version. */
  private async definitionOf(subscription: string): Promise<SubscriptionDefinition | undefined> {
    const doc = await this.context.store.collection<CurrentDocument>(SUBSCRIPTION_TYPE).findOne({ _id: subscription });
    if (!doc || doc.deleted) return undefined;
    const cached = this.definitions.get(subscription);
    if (cached?.versionId === doc.versionId) return cached.definition;
    const definition = storedDefinition(doc);
    this.definitions.set(subscription, { versionId: doc.versionId, definition });
    return definition;
  }

  private async block(item: OutboxItem, reason: BlockReason, detail: string): Promise<true> {
    await this.settle(item, { $set: { status: 'blocked', reason, detail } }, { $inc: { pending: -1 }, $set: { dueAt: new Date() } });
    this.context.recordDelivery?.('blocked', 1);
    return true;
  }

  /** The events that may go (their resources read); the others are blocked on the way, with their reason. */
  private async sendable(definition: SubscriptionDefinition, items: OutboxItem[]): Promise<Outgoing[]> {
    const outgoing: Outgoing[] = [];
    for (const item of items) {
      const [type, id] = item.focus.split('/') as [string, string];
      const resource = resourceOf(await this.context.repository.vread(type, id, item.versionId)) as FhirResource;
      const consent = definition.consentExempt ? undefined : await consentDecision(this.context.store, resource, new Date());
      if (consent && !consent.allowed) await this.block(item, consent.reason, consent.detail);
      else outgoing.push({ item, resource });
    }
    return outgoing;
  }

  /**
   * Sends the due events (in event order, as one notification when a backlog has formed); true when
   * the queue may go on (sent or set aside), false when it must wait for its retry.
   */
  private async deliverEvents(subscription: string, definition: SubscriptionDefinition | undefined, items: OutboxItem[]): Promise<boolean> {
    const stopped = !definition ? ['subscription-deleted', 'is deleted or no longer usable'] as const
      : definition.status === 'off' ? ['subscription-off', 'was turned off'] as const
        : definition.status === 'error' ? ['subscription-error', 'is in error'] as const : undefined;
    if (stopped) {
      for (const item of items) await this.block(item, stopped[0], `Subscription/${subscription} ${stopped[1]}`);
      return true;
    }
    const outgoing = await this.sendable(definition!, items);
    if (outgoing.length === 0) return true;
    const attempt = await this.send(definition!, 'event-notification', outgoing);
    this.context.audit?.(deliveryAuditRecord(definition!, outgoing, attempt));
    if (attempt.ok) {
      await this.settleDelivered(subscription, outgoing.map((o) => o.item), withoutOk(attempt));
      return true;
    }
    for (const { item } of outgoing) await this.retryOrFail(item, definition!, attempt);
    return false;
  }

  /** Records the events delivered, and lets the lease go with them when they were the last pending. */
  private async settleDelivered(subscription: string, items: OutboxItem[], attempt: DeliveryAttempt): Promise<void> {
    const deliveredAt = new Date();
    const released = await this.context.store.withTransaction(async (session) => {
      for (const item of items) await this.outbox.updateOne({ _id: item._id, status: 'pending' }, { $set: { status: 'delivered', deliveredAt }, $push: { attempts: attempt } }, { session });
      await this.states.updateOne({ _id: subscription }, { $inc: { pending: -items.length }, $set: { dueAt: deliveredAt, lastSentAt: attempt.at } }, { session });
      return this.leases.releaseIfIdle(subscription, session);
    }, { deferDurability: true });
    if (released) this.leases.forget(subscription);
    this.context.recordDelivery?.('delivered', items.length);
  }

  private async send(definition: SubscriptionDefinition, type: NotificationType, outgoing: Outgoing[]): Promise<DeliveryAttempt & { ok: boolean }> {
    const state = await this.states.findOne({ _id: definition.id });
    const events = outgoing.map(({ item, resource }) => {
      const [focusType, focusId] = item.focus.split('/') as [string, string];
      return { eventNumber: item.eventNumber, timestamp: item.createdAt, focus: { type: focusType, id: focusId, versionId: item.versionId }, resource };
    });
    const bundle = notificationBundle({
      baseUrl: this.context.baseUrl(), subscriptionId: definition.id, status: definition.status, type, events,
      eventsSinceSubscriptionStart: state?.eventCount ?? 0, payload: definition.payload,
    });
    const signed = this.context.signing.sign(bundle, 'A notification');
    return postNotification(definition.endpoint, definition.headers, signed, this.deliveryTimeoutMs(definition));
  }

  private async retryOrFail(item: OutboxItem, definition: SubscriptionDefinition, attempt: DeliveryAttempt & { ok: boolean }): Promise<void> {
    const { retryBaseMs, retryMaxMs, retryHorizonSeconds } = this.context.settings;
    const tries = item.attempts.length + 1;
    const pastHorizon = attempt.at.getTime() - item.createdAt.getTime() >= retryHorizonSeconds * 1000;
    if (!pastHorizon) {
      const nextAttemptAt = new Date(attempt.at.getTime() + retryDelayMs(tries, retryBaseMs, retryMaxMs));
      await this.settle(item, { $set: { nextAttemptAt }, $push: { attempts: withoutOk(attempt) } }, { $set: { dueAt: nextAttemptAt } });
      this.context.recordDelivery?.('retry', 1);
      return;
    }
    const detail = `gave up after ${tries} attempts over ${retryHorizonSeconds} s; last: ${attempt.error ?? `HTTP ${attempt.httpStatus}`}`;
    await this.settle(item, { $set: { status: 'failed', detail }, $push: { attempts: withoutOk(attempt) } }, { $inc: { pending: -1 }, $set: { dueAt: new Date() } });
    this.context.recordDelivery?.('failed', 1);
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
      if (this.stopped) return;
      if (!definition?.heartbeatSeconds || definition.status !== 'active' || this.inFlight.has(definition.id)) continue;
      const state = await this.states.findOne({ _id: definition.id });
      if (state?.lastSentAt && Date.now() - state.lastSentAt.getTime() < definition.heartbeatSeconds * 1000) continue;
      await this.heartbeat(definition);
    }
  }

  private async heartbeat(definition: SubscriptionDefinition): Promise<void> {
    const states = this.states;
    await states.updateOne({ _id: definition.id }, { $setOnInsert: { eventCount: 0, pending: 0 } }, { upsert: true });
    if (!(await this.leases.hold(definition.id, this.deliveryTimeoutMs(definition) + LEASE_MARGIN_MS))) return;
    try {
      const attempt = await this.send(definition, 'heartbeat', []);
      // an unanswered heartbeat is tried again at the next period, not retried like an event
      await states.updateOne({ _id: definition.id }, { $set: { lastSentAt: attempt.at } });
    } finally {
      await this.leases.release(definition.id);
    }
  }
}

interface Outgoing {
  item: OutboxItem;
  resource: FhirResource;
}

function withoutOk({ ok: _ok, ...attempt }: DeliveryAttempt & { ok: boolean }): DeliveryAttempt {
  return attempt;
}
