/**
 * The write operations, written once against a synchronous `View`: the direct
 * view runs them inside one lmdb write transaction, the session view against a
 * transaction's overlay. Read-check-write is therefore always atomic.
 */
import type {
  BulkWriteOperation,
  BulkWriteResult,
  Document,
  Filter,
  FindOptions,
  InsertOneResult,
  SortSpec,
  UpdateResult,
} from '../types.ts';
import type { CollectionStorage } from './collection-storage.ts';
import { applyUpdate, assertOperatorUpdate, assertReplacement, newId, replacementFor, upsertSeed } from './update-doc.ts';

export interface View {
  /** Matching documents after sort/skip/limit (no projection). */
  find(storage: CollectionStorage, filter: Filter, options: FindOptions): Document[];
  insert(storage: CollectionStorage, doc: Document): void;
  replace(storage: CollectionStorage, prev: Document, next: Document): void;
  remove(storage: CollectionStorage, prev: Document): void;
}

export interface ModifyOutcome {
  result: UpdateResult;
  before: Document | null;
  after: Document | null;
}

export function insertOne(view: View, storage: CollectionStorage, doc: Document): InsertOneResult {
  view.insert(storage, doc);
  return { insertedId: doc._id };
}

/** Gives a document its _id (like the driver, which also sets it on the caller's object). */
export function withId<T extends Document>(doc: T): T {
  if (doc._id === undefined) doc._id = newId();
  return doc;
}

function modify(
  view: View,
  storage: CollectionStorage,
  filter: Filter,
  change: (prev: Document) => Document | null,
  insertDoc: (() => Document) | null,
  sort?: SortSpec,
): ModifyOutcome {
  const [prev] = view.find(storage, filter, { sort, limit: 1 });
  if (prev) {
    const next = change(prev);
    if (next) view.replace(storage, prev, next);
    const result = { matchedCount: 1, modifiedCount: next ? 1 : 0, upsertedCount: 0, upsertedId: null };
    return { result, before: prev, after: next ?? prev };
  }
  if (!insertDoc) {
    return { result: { matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: null }, before: null, after: null };
  }
  const doc = withId(insertDoc());
  view.insert(storage, doc);
  return { result: { matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: doc._id }, before: null, after: doc };
}

export function updateOne(
  view: View,
  storage: CollectionStorage,
  filter: Filter,
  update: Filter,
  upsert = false,
  sort?: SortSpec,
): ModifyOutcome {
  assertOperatorUpdate(update);
  const insertDoc = () => {
    const seed = upsertSeed(filter);
    return applyUpdate(seed, update, true) ?? seed;
  };
  return modify(view, storage, filter, (prev) => applyUpdate(prev, update, false), upsert ? insertDoc : null, sort);
}

export function replaceOne(
  view: View,
  storage: CollectionStorage,
  filter: Filter,
  replacement: Document,
  upsert = false,
): ModifyOutcome {
  assertReplacement(replacement);
  const insertDoc = () => {
    const seedId = upsertSeed(filter)._id;
    const doc = structuredClone(replacement);
    return doc._id === undefined && seedId !== undefined ? { _id: seedId, ...doc } : doc;
  };
  return modify(view, storage, filter, (prev) => replacementFor(prev, replacement), upsert ? insertDoc : null);
}

export function deleteOne(view: View, storage: CollectionStorage, filter: Filter): { deletedCount: number } {
  const [prev] = view.find(storage, filter, { limit: 1 });
  if (!prev) return { deletedCount: 0 };
  view.remove(storage, prev);
  return { deletedCount: 1 };
}

export function emptyBulkWriteResult(): BulkWriteResult {
  return { insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0 };
}

/**
 * Ordered bulk write: stops at the first error; earlier operations stay applied (as in MongoDB).
 * The caller passes operations it has already cloned.
 */
export function bulkWrite(
  view: View,
  storage: CollectionStorage,
  operations: BulkWriteOperation<Document>[],
): { result: BulkWriteResult; error?: unknown } {
  const result = emptyBulkWriteResult();
  const add = (r: UpdateResult) => {
    result.matchedCount += r.matchedCount;
    result.modifiedCount += r.modifiedCount;
    result.upsertedCount += r.upsertedCount;
  };
  try {
    for (const op of operations) {
      if ('insertOne' in op) {
        insertOne(view, storage, withId(op.insertOne.document));
        result.insertedCount++;
      } else if ('replaceOne' in op) {
        const { filter, replacement, upsert } = op.replaceOne;
        add(replaceOne(view, storage, filter, replacement, upsert).result);
      } else if ('updateOne' in op) {
        const { filter, update, upsert } = op.updateOne;
        add(updateOne(view, storage, filter, update, upsert).result);
      } else if ('deleteOne' in op) {
        result.deletedCount += deleteOne(view, storage, op.deleteOne.filter).deletedCount;
      }
    }
  } catch (error) {
    return { result, error };
  }
  return { result };
}
