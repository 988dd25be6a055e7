/**
 * A view of a store whose transactions return once committed, before they are on disk: for a
 * run of independent transactions (the entries of a batch Bundle) that report success only
 * after one `flush()` at the end, instead of waiting for a disk sync each.
 */
import type { Collection, Document, Session, Store } from './types.ts';

export class DeferredDurabilityStore implements Store {
  readonly engine: Store['engine'];

  constructor(private readonly inner: Store) {
    this.engine = inner.engine;
  }

  collection<T extends Document = Document>(name: string): Collection<T> {
    return this.inner.collection<T>(name);
  }

  withTransaction<R>(work: (session: Session) => Promise<R>): Promise<R> {
    return this.inner.withTransaction(work, { deferDurability: true });
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  /** The owner closes the real store, never a view of it. */
  async close(): Promise<void> {}
}
