/**
 * A view of a store that times every operation (a transaction as a whole, each collection call, a
 * flush) and hands the duration to `observe`: the one place store latency is measured, so no
 * caller of the store changes. It passes everything else straight through.
 */
import type {
  BulkWriteOperation, Collection, CreateIndexOptions, Cursor, Document, Filter, FindOneAndUpdateOptions, FindOptions,
  IndexSpec, Session, SessionOption, Store, TransactionOptions, UpdateOptions,
} from './types.ts';

export type StoreOperation = 'transaction' | 'flush' | keyof Collection;
export type StoreTimer = (operation: StoreOperation, seconds: number) => void;

async function timed<R>(observe: StoreTimer, operation: StoreOperation, work: () => Promise<R>): Promise<R> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    observe(operation, (performance.now() - started) / 1000);
  }
}

class TimedCollection<T extends Document> implements Collection<T> {
  constructor(private readonly inner: Collection<T>, private readonly observe: StoreTimer) {}

  insertOne(doc: T, options?: SessionOption) {
    return timed(this.observe, 'insertOne', () => this.inner.insertOne(doc, options));
  }

  findOne(filter: Filter, options?: FindOptions) {
    return timed(this.observe, 'findOne', () => this.inner.findOne(filter, options));
  }

  /** Timed when the documents are read (toArray), which is when the store does the work. */
  find(filter: Filter, options?: FindOptions): Cursor<T> {
    const cursor = this.inner.find(filter, options);
    return {
      toArray: () => timed(this.observe, 'find', () => cursor.toArray()),
      ...(cursor.explain ? { explain: () => cursor.explain!() } : {}),
    };
  }

  replaceOne(filter: Filter, replacement: T, options?: UpdateOptions) {
    return timed(this.observe, 'replaceOne', () => this.inner.replaceOne(filter, replacement, options));
  }

  updateOne(filter: Filter, update: Filter, options?: UpdateOptions) {
    return timed(this.observe, 'updateOne', () => this.inner.updateOne(filter, update, options));
  }

  deleteOne(filter: Filter, options?: SessionOption) {
    return timed(this.observe, 'deleteOne', () => this.inner.deleteOne(filter, options));
  }

  countDocuments(filter?: Filter, options?: SessionOption) {
    return timed(this.observe, 'countDocuments', () => this.inner.countDocuments(filter, options));
  }

  createIndex(spec: IndexSpec, options?: CreateIndexOptions) {
    return timed(this.observe, 'createIndex', () => this.inner.createIndex(spec, options));
  }

  findOneAndUpdate(filter: Filter, update: Filter, options?: FindOneAndUpdateOptions) {
    return timed(this.observe, 'findOneAndUpdate', () => this.inner.findOneAndUpdate(filter, update, options));
  }

  bulkWrite(operations: BulkWriteOperation<T>[], options?: SessionOption) {
    return timed(this.observe, 'bulkWrite', () => this.inner.bulkWrite(operations, options));
  }
}

export class TimedStore implements Store {
  readonly engine: Store['engine'];
  private readonly collections = new Map<string, Collection<Document>>();

  constructor(private readonly inner: Store, private readonly observe: StoreTimer) {
    this.engine = inner.engine;
  }

  collection<T extends Document = Document>(name: string): Collection<T> {
    let timedCollection = this.collections.get(name);
    if (!timedCollection) this.collections.set(name, (timedCollection = new TimedCollection(this.inner.collection(name), this.observe)));
    return timedCollection as unknown as Collection<T>;
  }

  /** The whole transaction, re-runs on conflict included: what a write waits for. */
  withTransaction<R>(work: (session: Session) => Promise<R>, options?: TransactionOptions): Promise<R> {
    return timed(this.observe, 'transaction', () => this.inner.withTransaction(work, options));
  }

  flush(): Promise<void> {
    return timed(this.observe, 'flush', () => this.inner.flush());
  }

  /** The owner closes the real store, never a view of it. */
  async close(): Promise<void> {}
}
