/**
 * The embedded engine's Collection. Each write outside a transaction is one
 * lmdb (child) write transaction: the read-check-write runs synchronously
 * inside it, and lmdb batches concurrent ones into a single durable commit.
 * Inside a transaction (`{ session }`) the same operations run against the session.
 */
import type { RootDatabase } from 'lmdb';
import type {
  BulkWriteOperation,
  BulkWriteResult,
  Collection,
  CreateIndexOptions,
  Cursor,
  DeleteResult,
  Document,
  Filter,
  FindOneAndUpdateOptions,
  FindOptions,
  IndexSpec,
  InsertOneResult,
  SessionOption,
  UpdateOptions,
  UpdateResult,
} from '../types.ts';
import type { CollectionStorage, PreparedWrite } from './collection-storage.ts';
import { EmbeddedCursor } from './cursor.ts';
import { directView } from './direct-view.ts';
import { NeedsChildTransaction, duplicateKeyError } from './errors.ts';
import { encodePrimaryKey } from './key-codec.ts';
import { exactIds } from './planner.ts';
import { countCommitted, findByIds, shape } from './query-exec.ts';
import { EmbeddedSession } from './session.ts';
import * as ops from './write-ops.ts';

export class EmbeddedCollection<T extends Document = Document> implements Collection<T> {
  constructor(
    private readonly storage: CollectionStorage,
    private readonly env: RootDatabase,
  ) {}

  private sessionOf(options?: SessionOption): EmbeddedSession | undefined {
    const session = options?.session;
    if (session === undefined) return undefined;
    if (!(session instanceof EmbeddedSession)) throw new Error('Session does not belong to the embedded store');
    session.assertActive();
    return session;
  }

  private async write<R>(options: SessionOption | undefined, op: (view: ops.View) => R): Promise<R> {
    const session = this.sessionOf(options);
    if (session) return op(session);
    const result = await this.env.childTransaction(() => this.storage.pinned(() => op(directView)));
    await this.env.flushed;
    return result;
  }

  /**
   * The document is encoded (and its index keys made) now, which is also the copy that
   * lets the caller change its object afterwards; the store keeps only the encoding.
   */
  async insertOne(doc: T, options?: SessionOption): Promise<InsertOneResult> {
    ops.withId(doc);
    const session = this.sessionOf(options);
    const storage = this.storage;
    const pk = encodePrimaryKey(doc._id);
    const w = this.preparedInsert(pk, doc);
    if (!w) {
      // a unique index: checked against the writes applied before it, in an abortable transaction
      const copy = structuredClone(doc);
      return this.write(options, (view) => ops.insertOne(view, storage, copy));
    }
    if (session) {
      session.insertPrepared(storage, doc._id, w);
      return { insertedId: doc._id };
    }
    const assertNew = () => {
      if (storage.getBinary(pk) !== undefined) throw duplicateKeyError(storage.name, '_id_', { _id: storage.decode(w.bytes)._id });
    };
    try {
      // a plain write transaction in the current batch: everything is checked before anything is written
      await this.env.transaction(() => storage.pinned(() => {
        assertNew();
        storage.apply(storage.isCurrent(w) ? w : storage.prepare(pk, storage.decode(w.bytes), undefined, false));
      }));
    } catch (err) {
      if (!(err instanceof NeedsChildTransaction)) throw err;
      await this.env.childTransaction(() => storage.pinned(() => {
        assertNew();
        storage.write(pk, storage.decode(w.bytes), undefined);
      }));
    }
    await this.env.flushed;
    return { insertedId: doc._id };
  }

  async findOne(filter: Filter, options: FindOptions = {}): Promise<T | null> {
    if (options.session === undefined) {
      // a read by primary key: one get, no plan, no cursor
      const ids = exactIds(filter);
      if (ids) {
        const { sort, skip, projection } = options;
        return (findByIds(this.storage, ids, { sort, skip, limit: 1, projection })[0] as T | undefined) ?? null;
      }
    }
    const [doc] = await this.find(filter, { ...options, limit: 1 }).toArray();
    return doc ?? null;
  }

  find(filter: Filter, options: FindOptions = {}): Cursor<T> {
    return new EmbeddedCursor<T>(this.storage, filter, options, this.sessionOf(options));
  }

  async replaceOne(filter: Filter, replacement: T, options?: UpdateOptions): Promise<UpdateResult> {
    // in a session the operation runs now, and copies the replacement itself; otherwise it runs later
    const copy = this.sessionOf(options) ? replacement : structuredClone(replacement);
    return (await this.write(options, (view) => ops.replaceOne(view, this.storage, filter, copy, options?.upsert))).result;
  }

  async updateOne(filter: Filter, update: Filter, options?: UpdateOptions): Promise<UpdateResult> {
    const copy = structuredClone(update);
    return (await this.write(options, (view) => ops.updateOne(view, this.storage, filter, copy, options?.upsert))).result;
  }

  async deleteOne(filter: Filter, options?: SessionOption): Promise<DeleteResult> {
    return this.write(options, (view) => ops.deleteOne(view, this.storage, filter));
  }

  async countDocuments(filter: Filter = {}, options?: SessionOption): Promise<number> {
    const session = this.sessionOf(options);
    if (session) return session.find(this.storage, filter, {}).length;
    return countCommitted(this.storage, filter);
  }

  async createIndex(spec: IndexSpec, options: CreateIndexOptions = {}): Promise<string> {
    const name = options.name ?? Object.entries(spec).map(([k, v]) => `${k}_${v}`).join('_');
    if (name === '_id_' || (Object.keys(spec).length === 1 && '_id' in spec)) return '_id_';
    const def = { name, key: { ...spec }, unique: options.unique === true };
    // already there as is (every start after the first): no write transaction
    if (this.storage.hasIndex(def)) return name;
    await this.env.childTransaction(() => this.storage.pinned(() => this.storage.addIndex(def)));
    await this.env.flushed;
    return name;
  }

  async findOneAndUpdate(filter: Filter, update: Filter, options: FindOneAndUpdateOptions = {}): Promise<T | null> {
    const copy = structuredClone(update);
    const outcome = await this.write(options, (view) =>
      ops.updateOne(view, this.storage, filter, copy, options.upsert, options.sort),
    );
    const doc = options.returnDocument === 'after' ? outcome.after : outcome.before;
    if (!doc) return null;
    // `after` may be the very object a session holds as its pending write
    return shape([structuredClone(doc)], { projection: options.projection })[0] as T;
  }

  async bulkWrite(operations: BulkWriteOperation<T>[], options?: SessionOption): Promise<BulkWriteResult> {
    for (const op of operations) if ('insertOne' in op) ops.withId(op.insertOne.document);
    const session = this.sessionOf(options);
    const inserted = session ? this.insertLeading(session, operations) : 0;
    const copy = structuredClone(operations.slice(inserted)) as BulkWriteOperation<Document>[];
    const { result, error } = await this.write(options, (view) => ops.bulkWrite(view, this.storage, copy));
    result.insertedCount += inserted;
    if (error) throw Object.assign(error as object, { result });
    return result;
  }

  /** The insert encoded and its index keys made; undefined when a unique index must check it in an abortable transaction. */
  private preparedInsert(pk: Buffer, doc: Document): (PreparedWrite & { bytes: Buffer }) | undefined {
    try {
      return this.storage.prepare(pk, doc, undefined, false) as PreparedWrite & { bytes: Buffer };
    } catch (err) {
      if (!(err instanceof NeedsChildTransaction)) throw err;
      return undefined;
    }
  }

  /**
   * Inserts the leading insertOne operations into the session as insertOne does, encoded once and
   * never copied; stops at any other operation or at one a unique index must check. Returns how
   * many it inserted; a duplicate _id throws with the result so far, as bulkWrite's own path does.
   */
  private insertLeading(session: EmbeddedSession, operations: BulkWriteOperation<T>[]): number {
    let inserted = 0;
    for (const op of operations) {
      if (!('insertOne' in op)) break;
      const { document } = op.insertOne;
      const w = this.preparedInsert(encodePrimaryKey(document._id), document);
      if (!w) break;
      try {
        session.insertPrepared(this.storage, document._id, w);
      } catch (err) {
        throw Object.assign(err as object, { result: { ...ops.emptyBulkWriteResult(), insertedCount: inserted } });
      }
      inserted++;
    }
    return inserted;
  }
}
