import type { Store } from '../../store/types.js';
import { STATE_COLLECTION, type SubscriptionState } from './outbox.js';

/**
 * Which process delivers a subscription's events: the one holding its lease (findOneAndUpdate on
 * the subscription's state document, on both engines). A lease runs out on its own, so a process
 * that died frees its subscriptions after `leaseMs`.
 */
export class SubscriptionLeases {
  constructor(private readonly store: Store, private readonly owner: string, private readonly leaseMs: number) {}

  private get states() {
    return this.store.collection<SubscriptionState>(STATE_COLLECTION);
  }

  /** Takes (or extends) the lease; false when another process holds it. */
  async claim(subscription: string): Promise<boolean> {
    const now = new Date();
    const free = { $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: { $lt: now } }, { leaseOwner: this.owner }] };
    const claimed = await this.states.findOneAndUpdate(
      { $and: [{ _id: subscription }, free] },
      { $set: { leaseOwner: this.owner, leaseUntil: new Date(now.getTime() + this.leaseMs) } },
      { returnDocument: 'after' },
    );
    return claimed !== null;
  }

  async release(subscription: string): Promise<void> {
    await this.states.updateOne({ _id: subscription, leaseOwner: this.owner }, { $set: { leaseUntil: new Date(0) } });
  }
}
