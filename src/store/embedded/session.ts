/**
 * An optimistic transaction. Reads see committed data overlaid with the
 * transaction's pending writes, and are recorded: the bytes of every document
 * read (or found absent) and the id set of every filter evaluated. Commit
 * re-validates all of them inside one lmdb write transaction, so a commit
 * succeeds only if the transaction could have run entirely at that instant
 * (serialisable, including phantoms), and then applies the writes.
 */
import type { Document, Filter, FindOptions, Session } from '../types.ts';
import type { CollectionStorage, PreparedWrite } from './collection-storage.ts';
import { ConflictSignal, StoreError, WRITE_CONFLICT, duplicateKeyError } from './errors.ts';
import { encodePrimaryKey } from './key-codec.ts';
import { exactIdsAndRest } from './planner.ts';
import { type Matcher, matchCommitted, matcherOf, shape } from './query-exec.ts';
import type { View } from './write-ops.ts';

interface Pending {
  pk: Buffer;
  readonly doc: Document | null;
  /** Set for inserts prepared (encoded, index keys made) when the operation ran. */
  prepared?: PreparedWrite;
}

/** A pending insert kept only encoded; its document is decoded if the transaction reads it. */
function preparedInsert(storage: CollectionStorage, w: PreparedWrite & { bytes: Buffer }): Pending {
  let doc: Document | undefined;
  return {
    pk: w.pk,
    prepared: w,
    get doc() {
      return (doc ??= storage.decode(w.bytes));
    },
  };
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

  /**
   * Records what a document looked like; seeing it change mid-transaction is a write conflict.
   * Returns its committed bytes (undefined when absent).
   */
  private recordDoc(storage: CollectionStorage, pk: Buffer, key = keyOf(pk)): Buffer | undefined {
    let m = this.docReads.get(storage);
    if (!m) this.docReads.set(storage, (m = new Map()));
    const bytes = storage.getBinary(pk);
    const seen = m.get(key);
    if (!seen) m.set(key, { pk, bytes });
    else if (!sameBytes(seen.bytes, bytes)) {
      throw new StoreError('WriteConflict: document changed during the transaction', WRITE_CONFLICT, ['TransientTransactionError']);
    }
    return bytes;
  }

  find(storage: CollectionStorage, filter: Filter, options: FindOptions): Document[] {
    this.assertActive();
    const byIds = exactIdsAndRest(filter);
    if (byIds) return this.findByIds(storage, byIds.ids, byIds.rest, options);
    const committed = matchCommitted(storage, filter).docs;
    const ids = new Set<string>();
    const overlay = this.pending(storage);
    const merged: Document[] = [];
    for (const doc of committed) {
      const pk = encodePrimaryKey(doc._id);
      const key = keyOf(pk);
      ids.add(key);
      this.recordDoc(storage, pk, key);
      if (!overlay.has(key)) merged.push(doc);
    }
    this.filterReads.push({ storage, filter, ids });
    const test: Matcher = matcherOf(filter);
    for (const { doc } of overlay.values()) if (doc && test(doc)) merged.push(structuredClone(doc));
    return shape(merged, { sort: options.sort, skip: options.skip, limit: options.limit });
  }

  /**
   * `find` for a filter whose `_id` condition names exact ids: the matches are among the
   * documents at those primary keys (those that match the `rest` of the filter), so recording
   * each key's committed bytes (absence included) records everything the filter read depends on;
   * no filter read is needed. Same documents, in the same order, as the general path: committed
   * ones first, then pending writes. The rest compiles without the ids, so one compiled test
   * serves every id (an outbox item's `{_id, status: 'pending'}`).
   */
  private findByIds(storage: CollectionStorage, ids: readonly (string | number)[], rest: Filter, options: FindOptions): Document[] {
    const test = matcherOf(rest);
    const overlay = this.pending(storage);
    const keys = new Set<string>();
    const merged: Document[] = [];
    for (const id of ids) {
      const pk = encodePrimaryKey(id);
      const key = keyOf(pk);
      if (keys.has(key)) continue;
      keys.add(key);
      const bytes = this.recordDoc(storage, pk, key);
      if (bytes === undefined || overlay.has(key)) continue;
      const doc = storage.decode(bytes);
      if (test(doc)) merged.push(doc);
    }
    if (overlay.size > 0) {
      for (const [key, { doc }] of overlay) if (doc && keys.has(key) && test(doc)) merged.push(structuredClone(doc));
    }
    return shape(merged, { sort: options.sort, skip: options.skip, limit: options.limit });
  }

  /** `doc` becomes the session's: the caller passes a copy nobody else holds (as for replace). */
  insert(storage: CollectionStorage, doc: Document): void {
    this.assertActive();
    const pk = encodePrimaryKey(doc._id);
    const key = keyOf(pk);
    const writes = this.pending(storage);
    const pending = writes.get(key);
    const committed = this.recordDoc(storage, pk, key);
    const exists = pending ? pending.doc !== null : committed !== undefined;
    if (exists) throw duplicateKeyError(storage.name, '_id_', { _id: doc._id });
    writes.set(key, { pk, doc });
  }

  /** Inserts a document prepared (encoded: a snapshot) when the operation ran. */
  insertPrepared(storage: CollectionStorage, id: unknown, w: PreparedWrite & { bytes: Buffer }): void {
    this.assertActive();
    const key = keyOf(w.pk);
    const writes = this.pending(storage);
    const pending = writes.get(key);
    const committed = this.recordDoc(storage, w.pk, key);
    const exists = pending ? pending.doc !== null : committed !== undefined;
    if (exists) throw duplicateKeyError(storage.name, '_id_', { _id: id });
    writes.set(key, preparedInsert(storage, w));
  }

  replace(storage: CollectionStorage, prev: Document, next: Document): void {
    this.assertActive();
    const pk = encodePrimaryKey(prev._id);
    this.pending(storage).set(keyOf(pk), { pk, doc: next });
  }

  remove(storage: CollectionStorage, prev: Document): void {
    this.assertActive();
    const pk = encodePrimaryKey(prev._id);
    this.pending(storage).set(keyOf(pk), { pk, doc: null });
  }

  /**
   * Runs inside an lmdb write transaction; throws ConflictSignal when a recorded read no longer holds.
   * With `abortable` false (a plain write transaction, which cannot undo writes) every write is
   * prepared and checked before the first is applied; a write that can only be checked against
   * the ones applied before it throws NeedsChildTransaction, still before anything is written.
   * With `abortable` (a child transaction) writes are checked and applied one by one.
   */
  commit(abortable: boolean): void {
    // the catalog version is read once per storage's catalog, not once per definition lookup
    const storages = [...new Set([...this.writes.keys(), ...this.filterReads.map((r) => r.storage)])];
    const pin = (i: number): void => {
      if (i === storages.length) this.validateAndApply(abortable);
      else storages[i].pinned(() => pin(i + 1));
    };
    pin(0);
  }

  private validateAndApply(abortable: boolean): void {
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
    const prepared: [CollectionStorage, PreparedWrite][] = [];
    for (const [storage, pending] of this.writes) {
      for (const [key, p] of pending) {
        const prev = this.committedDoc(storage, p.pk, key);
        if (!p.prepared && p.doc === null && prev === undefined) continue;
        if (abortable) storage.write(p.pk, p.doc, prev);
        else if (p.prepared && prev === undefined && storage.isCurrent(p.prepared)) prepared.push([storage, p.prepared]);
        else prepared.push([storage, storage.prepare(p.pk, p.doc, prev, false)]);
      }
    }
    for (const [storage, write] of prepared) storage.apply(write);
  }

  /** The committed document at `pk`; a recorded (and just validated) absence needs no read. */
  private committedDoc(storage: CollectionStorage, pk: Buffer, key: string): Document | undefined {
    const read = this.docReads.get(storage)?.get(key);
    if (read && read.bytes === undefined) return undefined;
    return storage.get(pk);
  }

  hasWrites(): boolean {
    return [...this.writes.values()].some((m) => m.size > 0);
  }
}

function sameBytes(a: Buffer | undefined, b: Buffer | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.equals(b);
}
