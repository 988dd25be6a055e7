/** The view used inside one lmdb write transaction: reads and writes go straight to the store. */
import type { Document, Filter, FindOptions } from '../types.ts';
import type { CollectionStorage } from './collection-storage.ts';
import { duplicateKeyError } from './errors.ts';
import { encodePrimaryKey } from './key-codec.ts';
import { exactIds } from './planner.ts';
import { findByIds, findCommitted } from './query-exec.ts';
import type { View } from './write-ops.ts';

export const directView: View = {
  find(storage: CollectionStorage, filter: Filter, options: FindOptions): Document[] {
    const ids = exactIds(filter);
    return ids ? findByIds(storage, ids, options) : findCommitted(storage, filter, options).docs;
  },
  insert(storage: CollectionStorage, doc: Document): void {
    const pk = encodePrimaryKey(doc._id);
    if (storage.get(pk) !== undefined) throw duplicateKeyError(storage.name, '_id_', { _id: doc._id });
    storage.write(pk, doc, undefined);
  },
  replace(storage: CollectionStorage, prev: Document, next: Document): void {
    storage.write(encodePrimaryKey(prev._id), next, prev);
  },
  remove(storage: CollectionStorage, prev: Document): void {
    storage.write(encodePrimaryKey(prev._id), null, prev);
  },
};
