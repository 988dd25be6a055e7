/**
 * $reindex: recomputes the search index (`idx`, `sk`, and the `patient` and `organizations` taken from it) of every
 * current document of a type with the search parameters in force now, e.g. after a
 * SearchParameter was posted, changed or retired. It is not a new version: json, versionId and
 * lastUpdated stay as they are and the history is not touched.
 *
 * Documents are taken in lastUpdated order (the index every resource collection has; ties in
 * _id order), BATCH_SIZE at a time; each batch is one transaction that reads its documents and
 * rewrites their index. A document another request writes after the batch read it makes the
 * transaction conflict (embedded: validated at commit; MongoDB: a write conflict) and run again
 * on the new version, so a concurrent write is never lost nor left with an index made from the
 * version before it. The run ends at the latest lastUpdated there was when it began: what is
 * written later was indexed by its writer with the same definitions, so a document updated
 * during the run is not taken (nor counted) twice.
 */
import type { Collection, Session, Store } from '../store/types.js';
import { type CurrentDocument, resourceOf } from './stored-document.js';
import { indexedFields } from './write-version.js';

const BATCH_SIZE = 200;

/** Where the run has got to: the last lastUpdated taken, and the ids already taken with exactly that value. */
interface Position {
  lastUpdated: Date;
  taken: Set<string>;
}

/** The latest lastUpdated in the collection, where a run that starts now ends. */
async function latest(collection: Collection<CurrentDocument>): Promise<Date | undefined> {
  const [doc] = await collection.find({}, { sort: { lastUpdated: -1 }, limit: 1, projection: { lastUpdated: 1 } }).toArray();
  return doc?.lastUpdated;
}

type IdAndTime = Pick<CurrentDocument, '_id' | 'lastUpdated'>;

/** The next batch of live documents after `position` and up to `end`, read outside any transaction. */
async function nextBatch(collection: Collection<CurrentDocument>, position: Position | undefined, end: Date): Promise<IdAndTime[]> {
  const filter = { lastUpdated: position ? { $gte: position.lastUpdated, $lte: end } : { $lte: end }, deleted: false };
  const limit = BATCH_SIZE + (position?.taken.size ?? 0);
  const docs = await collection.find(filter, { sort: { lastUpdated: 1, _id: 1 }, limit, projection: { _id: 1, lastUpdated: 1 } }).toArray();
  const at = position?.lastUpdated.getTime();
  return docs.filter((doc) => doc.lastUpdated.getTime() !== at || !position!.taken.has(doc._id)).slice(0, BATCH_SIZE);
}

function advance(position: Position | undefined, batch: IdAndTime[]): Position {
  const lastUpdated = batch[batch.length - 1].lastUpdated;
  const taken = position?.lastUpdated.getTime() === lastUpdated.getTime() ? position.taken : new Set<string>();
  for (const doc of batch) if (doc.lastUpdated.getTime() === lastUpdated.getTime()) taken.add(doc._id);
  return { lastUpdated, taken };
}

/** One batch, in its transaction: the documents as they are now, each with its index recomputed. */
async function reindexBatch(collection: Collection<CurrentDocument>, type: string, ids: string[], session: Session): Promise<number> {
  const docs = await collection.find({ _id: { $in: ids } }, { session }).toArray();
  const live = docs.filter((doc) => !doc.deleted && doc.json !== null);
  if (live.length === 0) return 0;
  await collection.bulkWrite(live.map((doc) => (
    { updateOne: { filter: { _id: doc._id }, update: { $set: indexedFields(type, doc._id, resourceOf(doc)) } } }
  )), { session });
  return live.length;
}

/** Reindexes every live resource of `type`; returns how many there were. */
export async function reindexType(store: Store, type: string): Promise<number> {
  const collection = store.collection<CurrentDocument>(type);
  const end = await latest(collection);
  if (!end) return 0;
  let count = 0;
  let position: Position | undefined;
  for (let batch = await nextBatch(collection, position, end); batch.length > 0; batch = await nextBatch(collection, position, end)) {
    const ids = batch.map((doc) => doc._id);
    count += await store.withTransaction((session) => reindexBatch(collection, type, ids, session));
    position = advance(position, batch);
  }
  return count;
}

/** Reindexes each type in turn; returns how many resources were reindexed in all. */
export async function reindexTypes(store: Store, types: readonly string[]): Promise<number> {
  let count = 0;
  for (const type of types) count += await reindexType(store, type);
  return count;
}
