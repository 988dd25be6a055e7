/**
 * An optimistic transaction. Reads see committed data overlaid with the
 * transaction's pending writes, and are recorded: the bytes of every document
 * read (or found absent) and the id set of every filter evaluated. Commit
 * re-validates all of them inside one lmdb write transaction, so a commit
 * succeeds only if the transaction could have run entirely at that instant
 * (serialisable, including phantoms), and then applies the writes.
 */
import type { Document, Filter, FindOptions, Session } from '../types.ts';
import type { CollectionStorage } from './collection-storage.ts';
import { ConflictSignal, StoreError, WRITE_CONFLICT, duplicateKeyError } from './errors.ts';
import { encodePrimaryKey } from './key-codec.ts';
import { type Matcher, matchCommitted, matcherOf, shape } from './query-exec.ts';
import type { View } from './write-ops.ts';

interface Pending {
  pk: Buffer;
  doc: Document | null;
}

interface FilterRead {
  storage: CollectionStorage;
  filter: Filter;
  ids: Set<string>;
}

const keyOf = (pk: Buffer) => pk.toString('latin1');

export class EmbeddedSession implements Session, View {
  private active = true;
  private readonly writes = new Map<CollectionStorage, Map<string, Pending>>();
  private readonly docReads = new Map<CollectionStorage, Map<string, { pk: Buffer; bytes: Buffer | undefined }>>();
  private readonly filterReads: FilterRead[] = [];

  inTransaction = (): boolean => this.active;

  end(): void {
    this.active = false;
  }

  assertActive(): void {
    if (!this.active) throw new Error('The transaction of this session has already ended');
  }

  private pending(storage: CollectionStorage): Map<string, Pending> {
    let m = this.writes.get(storage);
    if (!m) this.writes.set(storage, (m = new Map()));
    return m;
  }

  /** Records what a document looked like; seeing it change mid-transaction is a write conflict. */
  private recordDoc(storage: CollectionStorage, pk: Buffer): void {
    let m = this.docReads.get(storage);
    if (!m) this.docReads.set(storage, (m = new Map()));
    const bytes = storage.getBinary(pk);
    const seen = m.get(keyOf(pk));
    if (!seen) m.set(keyOf(pk), { pk, bytes });
    else if (!sameBytes(seen.bytes, bytes)) {
      throw new StoreError('WriteConflict: document changed during the transaction', WRITE_CONFLICT, ['TransientTransactionError']);
    }
  }

  find(storage: CollectionStorage, filter: Filter, options: FindOptions): Document[] {
    this.assertActive();
    const committed = matchCommitted(storage, filter).docs;
    const ids = new Set<string>();
    const overlay = this.pending(storage);
    const merged: Document[] = [];
    for (const doc of committed) {
      const pk = encodePrimaryKey(doc._id);
      ids.add(keyOf(pk));
      this.recordDoc(storage, pk);
      if (!overlay.has(keyOf(pk))) merged.push(doc);
    }
    this.filterReads.push({ storage, filter, ids });
    const test: Matcher = matcherOf(filter);
    for (const { doc } of overlay.values()) if (doc && test(doc)) merged.push(structuredClone(doc));
    return shape(merged, { sort: options.sort, skip: options.skip, limit: options.limit });
  }

  insert(storage: CollectionStorage, doc: Document): void {
    this.assertActive();
    const pk = encodePrimaryKey(doc._id);
    const pending = this.pending(storage).get(keyOf(pk));
    this.recordDoc(storage, pk);
    const exists = pending ? pending.doc !== null : storage.getBinary(pk) !== undefined;
    if (exists) throw duplicateKeyError(storage.name, '_id_', { _id: doc._id });
    this.pending(storage).set(keyOf(pk), { pk, doc: structuredClone(doc) });
  }

  replace(storage: CollectionStorage, prev: Document, next: Document): void {
    this.assertActive();
    const pk = encodePrimaryKey(prev._id);
    this.pending(storage).set(keyOf(pk), { pk, doc: structuredClone(next) });
  }

  remove(storage: CollectionStorage, prev: Document): void {
    this.assertActive();
    const pk = encodePrimaryKey(prev._id);
    this.pending(storage).set(keyOf(pk), { pk, doc: null });
  }

  /** Runs inside an lmdb write transaction; throws ConflictSignal when a recorded read no longer holds. */
  commit(): void {
    for (const [storage, reads] of this.docReads) {
      for (const { pk, bytes } of reads.values()) {
        if (!sameBytes(bytes, storage.getBinary(pk))) throw new ConflictSignal();
      }
    }
    for (const { storage, filter, ids } of this.filterReads) {
      const now = matchCommitted(storage, filter).docs;
      if (now.length !== ids.size) throw new ConflictSignal();
      for (const doc of now) if (!ids.has(keyOf(encodePrimaryKey(doc._id)))) throw new ConflictSignal();
    }
    for (const [storage, pending] of this.writes) {
      for (const { pk, doc } of pending.values()) {
        const prev = storage.get(pk);
        if (doc === null && prev === undefined) continue;
        storage.write(pk, doc, prev);
      }
    }
  }

  hasWrites(): boolean {
    return [...this.writes.values()].some((m) => m.size > 0);
  }
}

function sameBytes(a: Buffer | undefined, b: Buffer | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.equals(b);
}
