/**
 * Matches every new version against the subscriptions of its type, in the write's own
 * transaction, with the search API's own filter (the criteria compiled as a search compiles them,
 * chains resolved in the transaction) tested on the document as stored, with the query semantics
 * the embedded engine runs. Routing by required references keeps a write from trying every
 * subscription. What matched goes to the outbox in that transaction: a pending event with the
 * subscription's next event number, or a blocked record saying why it will not be delivered.
 */
import type { Resource } from 'fhir/r4.js';
import { FhirError } from '../../fhir/errors.js';
import type { Session, Store } from '../../store/types.js';
import { resolveChains } from '../search/chains.js';
import { liveFilter } from '../search/live-filter.js';
import { matcherOf } from '../../store/embedded/query-exec.js';
import type { CurrentDocument, Version } from '../stored-document.js';
import { consentDecision } from './consent-gate.js';
import { type BlockReason, OUTBOX_COLLECTION, type OutboxItem, STATE_COLLECTION, type SubscriptionState, outboxId } from './outbox.js';
import { unconfirmedResult } from './result-hold.js';
import type { SubscriptionDefinition } from './subscription-definition.js';
import { SUBSCRIPTION_TYPE, SubscriptionRegistry } from './subscription-registry.js';

interface Block {
  reason: BlockReason;
  detail: string;
}

async function matches(store: Store, session: Session, definition: SubscriptionDefinition, document: CurrentDocument): Promise<boolean> {
  try {
    const search = definition.search.chains.length > 0 ? await resolveChains(store, definition.search, session) : definition.search;
    return matcherOf(liveFilter(search))(document);
  } catch (err) {
    if (err instanceof FhirError) return false; // a criteria chain too broad to resolve matches nothing, as its search would refuse
    throw err;
  }
}

async function blockOf(store: Store, session: Session, definition: SubscriptionDefinition, resource: Resource, at: Date): Promise<Block | undefined> {
  if (definition.status === 'off') return { reason: 'subscription-off', detail: `Subscription/${definition.id} is off` };
  if (definition.status === 'error') return { reason: 'subscription-error', detail: `Subscription/${definition.id} is in error` };
  if (definition.consentExempt) return undefined;
  const unconfirmed = unconfirmedResult(resource);
  if (unconfirmed) return { reason: 'not-final', detail: unconfirmed };
  const consent = await consentDecision(store, resource, at, session);
  return consent.allowed ? undefined : { reason: consent.reason, detail: consent.detail };
}

/** The next event number; a subscription with nothing else pending becomes due now (one behind a failing event waits for it). */
async function nextEventNumber(store: Store, session: Session, subscription: string, now: Date): Promise<number> {
  const states = store.collection<SubscriptionState>(STATE_COLLECTION);
  const state = await states.findOneAndUpdate({ _id: subscription }, { $inc: { eventCount: 1, pending: 1 } }, { upsert: true, returnDocument: 'after', session });
  if (state!.pending === 1) await states.updateOne({ _id: subscription }, { $set: { dueAt: now } }, { session });
  return state!.eventCount;
}

export class SubscriptionMatcher {
  private readonly registry = new SubscriptionRegistry();

  /** `matched` is told after each write that queued an event (the dispatcher's wake-up). */
  constructor(private readonly matched: () => void = () => {}) {}

  async afterWrite(store: Store, session: Session, version: Version, document: CurrentDocument): Promise<void> {
    if (version.type === SUBSCRIPTION_TYPE || version.deleted) return;
    const definitions = await this.registry.candidates(version.type, document, store, session);
    if (definitions.length === 0) return;
    const resource = JSON.parse(version.json!) as Resource;
    let queued = false;
    for (const definition of definitions) {
      if (definition.status === 'requested' || !(await matches(store, session, definition, document))) continue;
      queued = (await this.record(store, session, definition, version, resource)) || queued;
    }
    if (queued) this.matched();
  }

  /** Writes the outbox item; true when it is an event to deliver. */
  private async record(store: Store, session: Session, definition: SubscriptionDefinition, version: Version, resource: Resource): Promise<boolean> {
    const now = version.lastUpdated;
    const focus = `${version.type}/${version.id}`;
    const block = await blockOf(store, session, definition, resource, now);
    const common = { subscription: definition.id, focus, versionId: version.versionId, createdAt: now, nextAttemptAt: now, attempts: [] };
    const outbox = store.collection<OutboxItem>(OUTBOX_COLLECTION);
    if (block) {
      await outbox.insertOne({ _id: outboxId(definition.id, 0, `${focus}/${version.versionId}`), eventNumber: 0, status: 'blocked', ...block, ...common }, { session });
      return false;
    }
    const eventNumber = await nextEventNumber(store, session, definition.id, now);
    await outbox.insertOne({ _id: outboxId(definition.id, eventNumber), eventNumber, status: 'pending', ...common }, { session });
    return true;
  }
}
