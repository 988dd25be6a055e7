/**
 * A view of a store inside one running transaction: every operation joins `session`,
 * and withTransaction runs its work in that same transaction. Code written against
 * the plain Store interface (the repository, searches, interaction handlers) can then
 * take part in a larger transaction, such as a transaction Bundle, unchanged.
 */
import type {
  BulkWriteOperation, Collection, CreateIndexOptions, Document, Filter, FindOneAndUpdateOptions, FindOptions,
  IndexSpec, Session, SessionOption, Store, UpdateOptions,
} from './types.ts';

class SessionBoundCollection<T extends Document> implements Collection<T> {
  constructor(private readonly inner: Collection<T>, private readonly session: Session) {}

  insertOne(doc: T, options?: SessionOption) {
    return this.inner.insertOne(doc, { ...options, session: this.session });
  }

  findOne(filter: Filter, options?: FindOptions) {
    return this.inner.findOne(filter, { ...options, session: this.session });
  }

  find(filter: Filter, options?: FindOptions) {
    return this.inner.find(filter, { ...options, session: this.session });
  }

  replaceOne(filter: Filter, replacement: T, options?: UpdateOptions) {
    return this.inner.replaceOne(filter, replacement, { ...options, session: this.session });
  }

  updateOne(filter: Filter, update: Filter, options?: UpdateOptions) {
    return this.inner.updateOne(filter, update, { ...options, session: this.session });
  }

  deleteOne(filter: Filter, options?: SessionOption) {
    return this.inner.deleteOne(filter, { ...options, session: this.session });
  }

  countDocuments(filter?: Filter, options?: SessionOption) {
    return this.inner.countDocuments(filter, { ...options, session: this.session });
  }

  /** Index definitions are not transactional in either engine; they pass straight through. */
  createIndex(spec: IndexSpec, options?: CreateIndexOptions) {
    return this.inner.createIndex(spec, options);
  }

  findOneAndUpdate(filter: Filter, update: Filter, options?: FindOneAndUpdateOptions) {
    return this.inner.findOneAndUpdate(filter, update, { ...options, session: this.session });
  }

  bulkWrite(operations: BulkWriteOperation<T>[], options?: SessionOption) {
    return this.inner.bulkWrite(operations, { ...options, session: this.session });
  }
}

export class SessionBoundStore implements Store {
  readonly engine: Store['engine'];
  private readonly collections = new Map<string, Collection<Document>>();

  constructor(private readonly inner: Store, readonly session: Session) {
    this.engine = inner.engine;
  }

  collection<T extends Document = Document>(name: string): Collection<T> {
    let bound = this.collections.get(name);
    if (!bound) this.collections.set(name, (bound = new SessionBoundCollection(this.inner.collection(name), this.session)));
    return bound as unknown as Collection<T>;
  }

  /** Joins the running transaction: no new one is started, and nothing is re-run here on conflict. */
  withTransaction<R>(work: (session: Session) => Promise<R>): Promise<R> {
    return work(this.session);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  /** The transaction's owner closes the real store, never a view of it. */
  async close(): Promise<void> {}
}
