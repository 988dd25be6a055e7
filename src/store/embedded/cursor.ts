/** A lazily executed find: nothing is read until toArray() or explain(). */
import type { Cursor, Document, Filter, FindOptions } from '../types.ts';
import type { CollectionStorage } from './collection-storage.ts';
import { earlyStop, explainOf, matchCommitted, shape } from './query-exec.ts';
import type { EmbeddedSession } from './session.ts';

export class EmbeddedCursor<T extends Document> implements Cursor<T> {
  constructor(
    private readonly storage: CollectionStorage,
    private readonly filter: Filter,
    private readonly options: FindOptions,
    private readonly session: EmbeddedSession | undefined,
  ) {}

  async toArray(): Promise<T[]> {
    if (this.session) {
      const docs = this.session.find(this.storage, this.filter, this.options);
      return shape(docs, { projection: this.options.projection }) as T[];
    }
    const result = matchCommitted(this.storage, this.filter, earlyStop(this.options));
    return shape(result.docs, this.options) as T[];
  }

  /** MongoDB-like explain of the committed-data part of the query (ignores a session's overlay). */
  async explain(): Promise<unknown> {
    const result = matchCommitted(this.storage, this.filter, earlyStop(this.options));
    return explainOf(result, shape(result.docs, this.options).length);
  }
}
