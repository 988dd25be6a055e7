/**
 * A marker document that a write moves, in its own transaction, whenever a kind of resource
 * changes, so a process can cache what it derived from those resources and know, with one read
 * by _id, whether the cache still holds. The marker is a random value rather than a counter: a
 * transaction that moves it and then aborts leaves a value no committed state ever carries, so a
 * cache filled inside that transaction is never mistaken for a later commit's.
 */
import { randomUUID } from 'node:crypto';
import type { Session, Store } from '../store/types.js';

const MARKER_COLLECTION = 'change_markers';

interface Marker {
  _id: string;
  value: string;
  [key: string]: unknown;
}

/** Moves the marker named `name`; call it in the transaction that writes what it marks. */
export async function moveMarker(store: Store, session: Session, name: string): Promise<void> {
  await store.collection<Marker>(MARKER_COLLECTION).updateOne({ _id: name }, { $set: { value: randomUUID() } }, { upsert: true, session });
}

/** The marker's value as the transaction of `session` sees it (committed state without one); '' until first moved. */
export async function readMarker(store: Store, name: string, session?: Session): Promise<string> {
  const marker = await store.collection<Marker>(MARKER_COLLECTION).findOne({ _id: name }, { session });
  return marker?.value ?? '';
}
