/**
 * The Subscriptions in the store, by the type their criteria search, as every process must see
 * them at the moment it writes: a write of a Subscription moves a marker in its own transaction,
 * and a process matching a write reads that marker in the write's transaction and reloads the
 * definitions when it moved. A subscription created by another process is therefore never missed.
 */
import type { Subscription } from 'fhir/r4.js';
import type { Session, Store } from '../../store/types.js';
import { moveMarker, readMarker } from '../change-marker.js';
import { type CurrentDocument, resourceOf } from '../stored-document.js';
import { type SubscriptionDefinition, definitionOf } from './subscription-definition.js';
import { SubscriptionRouting } from './subscription-routing.js';

export const SUBSCRIPTION_TYPE = 'Subscription';
const MARKER = 'subscriptions';

export function markSubscriptionsChanged(store: Store, session: Session): Promise<void> {
  return moveMarker(store, session, MARKER);
}

/** The definition of a stored Subscription, or undefined for one stored before it could be checked. */
export function storedDefinition(doc: CurrentDocument): SubscriptionDefinition | undefined {
  try {
    return definitionOf(resourceOf(doc) as Subscription);
  } catch {
    return undefined;
  }
}

export class SubscriptionRegistry {
  private loaded: string | undefined;
  private byType = new Map<string, SubscriptionRouting>();

  /** The live subscriptions `document` of `type` could match, as of the transaction of `session`. */
  async candidates(type: string, document: CurrentDocument, store: Store, session: Session): Promise<SubscriptionDefinition[]> {
    const marker = await readMarker(store, MARKER, session);
    if (marker !== this.loaded) await this.reload(marker, store, session);
    return this.byType.get(type)?.candidates(document) ?? [];
  }

  private async reload(marker: string, store: Store, session: Session): Promise<void> {
    const docs = await store.collection<CurrentDocument>(SUBSCRIPTION_TYPE).find({ deleted: false }, { session }).toArray();
    const byType = new Map<string, SubscriptionDefinition[]>();
    for (const definition of docs.map(storedDefinition)) {
      if (!definition) continue;
      byType.set(definition.type, [...(byType.get(definition.type) ?? []), definition]);
    }
    this.byType = new Map([...byType].map(([type, definitions]) => [type, new SubscriptionRouting(definitions)]));
    this.loaded = marker;
  }
}
