import type { Store } from '../../store/types.js';
import { STATE_COLLECTION, type SubscriptionState } from './outbox.js';

const RELEASED = { $unset: { leaseOwner: '', leaseUntil: '' } };

/**
 * Which process delivers a subscription's events: the one holding its lease (findOneAndUpdate on
 * the subscription's state document, on both engines). A lease runs out on its own, so a process
 * that died frees its subscriptions after `leaseMs`.
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
    return claimed !== null;
  }

  /** Extends the lease once half of it has run; false when it was lost meanwhile. */
  async renew(subscription: string): Promise<boolean> {
    const claimedAt = this.claimedAt.get(subscription) ?? 0;
    return Date.now() - claimedAt < this.leaseMs / 2 || this.claim(subscription);
  }

  /** Frees the lease at once (owner and expiry cleared), so another process may take it without waiting it out. */
  async release(subscription: string): Promise<void> {
    this.claimedAt.delete(subscription);
    await this.store.withTransaction((session) => this.states.updateOne({ _id: subscription, leaseOwner: this.owner }, RELEASED, { session }), { deferDurability: true });
  }

  /** Frees every lease this owner still holds (a shutdown's last step). */
  async releaseAll(): Promise<void> {
    const held = await this.states.find({ leaseOwner: this.owner }).toArray();
    for (const { _id } of held) await this.release(_id);
  }
}
