/** A lazily executed find: nothing is read until toArray() or explain(). */
import type { Cursor, Document, Filter, FindOptions } from '../types.ts';
import type { CollectionStorage } from './collection-storage.ts';
import { exactIds } from './planner.ts';
import { explainOf, findByIds, findCommitted, shape } from './query-exec.ts';
import type { EmbeddedSession } from './session.ts';

export class EmbeddedCursor<T extends Document> implements Cursor<T> {
  constructor(
    private readonly storage: CollectionStorage,
    private readonly filter: Filter,
    private readonly options: FindOptions,
    private readonly session: EmbeddedSession | undefined,
  ) {}

  async toArray(): Promise<T[]> {
    if (!this.session) {
      const ids = exactIds(this.filter);
      if (ids) return findByIds(this.storage, ids, this.options) as T[];
    }
    const docs = this.session
      ? this.session.find(this.storage, this.filter, this.options)
      : findCommitted(this.storage, this.filter, this.options).docs;
    return shape(docs, { projection: this.options.projection }) as T[];
  }

  /** MongoDB-like explain of the committed-data part of the query (ignores a session's overlay). */
  async explain(): Promise<unknown> {
    const result = findCommitted(this.storage, this.filter, this.options);
    return explainOf(result, result.docs.length);
  }
}
