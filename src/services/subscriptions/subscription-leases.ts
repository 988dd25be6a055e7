import type { Session, Store } from '../../store/types.js';
import { STATE_COLLECTION, type SubscriptionState } from './outbox.js';

const RELEASED = { $unset: { leaseOwner: '', leaseUntil: '' } };

/**
 * Which process delivers a subscription's events: the one holding its lease (findOneAndUpdate on
 * the subscription's state document, on both engines). A lease runs out on its own, so a process
 * that died frees its subscriptions after `leaseMs`. Every write waits its turn in the store, so
 * under load a lease costs little only when it rides along: a process keeps a lease while the
 * subscription has events to send, and frees it in the transaction that records the last of them
 * delivered (releaseIfIdle), so another process may take the next ones.
 */
export class SubscriptionLeases {
  private readonly claimedAt = new Map<string, number>();

  constructor(private readonly store: Store, private readonly owner: string, private readonly leaseMs: number) {}

  private get states() {
    return this.store.collection<SubscriptionState>(STATE_COLLECTION);
  }

  /**
   * Takes (or extends) the lease; false when another process holds it. A lease need not survive a
   * crash (it runs out anyway), so its writes do not wait for the disk.
   */
  async claim(subscription: string): Promise<boolean> {
    const now = new Date();
    const free = { $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: { $lt: now } }, { leaseOwner: this.owner }] };
    const claimed = await this.store.withTransaction((session) => this.states.findOneAndUpdate(
      { $and: [{ _id: subscription }, free] },
      { $set: { leaseOwner: this.owner, leaseUntil: new Date(now.getTime() + this.leaseMs) } },
      { returnDocument: 'after', session },
    ), { deferDurability: true });
    if (claimed) this.claimedAt.set(subscription, now.getTime());
    else this.claimedAt.delete(subscription);
    return claimed !== null;
  }

  /**
   * True when this process holds the lease for at least `neededMs` more (the time a delivery may
   * take), claiming or extending it when it would not; false when another process holds it.
   */
  async hold(subscription: string, neededMs: number): Promise<boolean> {
    const claimedAt = this.claimedAt.get(subscription);
    return (claimedAt !== undefined && claimedAt + this.leaseMs - Date.now() >= neededMs) || this.claim(subscription);
  }

  /**
   * Frees the lease, in the caller's transaction, when the subscription has nothing pending; true
   * when it did. Call `forget` once that transaction has committed.
   */
  async releaseIfIdle(subscription: string, session: Session): Promise<boolean> {
    const { modifiedCount } = await this.states.updateOne({ _id: subscription, pending: 0, leaseOwner: this.owner }, RELEASED, { session });
    return modifiedCount > 0;
  }

  /** Whether this process took the lease and has not let it go (it may have run out meanwhile: see hold). */
  holds(subscription: string): boolean {
    return this.claimedAt.has(subscription);
  }

  forget(subscription: string): void {
    this.claimedAt.delete(subscription);
  }

  /** Frees the lease at once (owner and expiry cleared), so another process may take it without waiting it out. */
  async release(subscription: string): Promise<void> {
    this.forget(subscription);
    await this.store.withTransaction((session) => this.states.updateOne({ _id: subscription, leaseOwner: this.owner }, RELEASED, { session }), { deferDurability: true });
  }

  /** Frees every lease this owner still holds (a shutdown's last step), in one transaction. */
  async releaseAll(): Promise<void> {
    this.claimedAt.clear();
    await this.store.withTransaction(async (session) => {
      const held = await this.states.find({ leaseOwner: this.owner }, { session }).toArray();
      for (const { _id } of held) await this.states.updateOne({ _id, leaseOwner: this.owner }, RELEASED, { session });
    }, { deferDurability: true });
  }
}
