/**
 * The Subscriptions in the store, by the type their criteria search, as every process must see
 * them at the moment it writes: a write of a Subscription moves a counter in its own transaction,
 * and a process matching a write reads that counter in the write's transaction and reloads the
 * definitions when it moved. A subscription created by another process is therefore never missed.
 */
import type { Subscription } from 'fhir/r4.js';
import type { Session, Store } from '../../store/types.js';
import { type CurrentDocument, resourceOf } from '../stored-document.js';
import { type SubscriptionDefinition, definitionOf } from './subscription-definition.js';
import { SubscriptionRouting } from './subscription-routing.js';

export const SUBSCRIPTION_TYPE = 'Subscription';
const REGISTRY_COLLECTION = 'subscription_registry';
const GENERATION_ID = 'generation';

interface Generation {
  _id: string;
  generation: number;
  [key: string]: unknown;
}

export async function bumpSubscriptionGeneration(store: Store, session: Session): Promise<void> {
  await store.collection<Generation>(REGISTRY_COLLECTION).updateOne({ _id: GENERATION_ID }, { $inc: { generation: 1 } }, { upsert: true, session });
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
  private loaded = -1;
  private byType = new Map<string, SubscriptionRouting>();

  /** The live subscriptions `document` of `type` could match, as of the transaction of `session`. */
  async candidates(type: string, document: CurrentDocument, store: Store, session: Session): Promise<SubscriptionDefinition[]> {
    const doc = await store.collection<Generation>(REGISTRY_COLLECTION).findOne({ _id: GENERATION_ID }, { session });
    const generation = doc?.generation ?? 0;
    if (generation !== this.loaded) await this.reload(generation, store, session);
    return this.byType.get(type)?.candidates(document) ?? [];
  }

  private async reload(generation: number, store: Store, session: Session): Promise<void> {
    const docs = await store.collection<CurrentDocument>(SUBSCRIPTION_TYPE).find({ deleted: false }, { session }).toArray();
    const byType = new Map<string, SubscriptionDefinition[]>();
    for (const definition of docs.map(storedDefinition)) {
      if (!definition) continue;
      byType.set(definition.type, [...(byType.get(definition.type) ?? []), definition]);
    }
    this.byType = new Map([...byType].map(([type, definitions]) => [type, new SubscriptionRouting(definitions)]));
    this.loaded = generation;
  }
}
