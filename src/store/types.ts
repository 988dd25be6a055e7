/**
 * The narrow, MongoDB-shaped storage interface every engine implements.
 * It is a structural subset of the official driver's Db/Collection API, so the
 * `mongodb` engine passes the driver's objects straight through.
 */

export type Document = { _id?: unknown; [key: string]: unknown };
export type Filter = Record<string, unknown>;
export type SortSpec = Record<string, 1 | -1>;
export type Projection = Record<string, 0 | 1>;
export type IndexSpec = Record<string, 1 | -1>;

/** Opaque handle of a running transaction; pass it as `{ session }` to join the transaction. */
export interface Session {
  readonly inTransaction?: () => boolean;
}

export interface SessionOption {
  session?: Session;
}

export interface FindOptions extends SessionOption {
  sort?: SortSpec;
  skip?: number;
  limit?: number;
  projection?: Projection;
}

export interface Cursor<T> {
  toArray(): Promise<T[]>;
  /**
   * MongoDB-shaped plan and statistics: `{ queryPlanner: { winningPlan: { stage, indexName? } },
   * executionStats: { nReturned, totalDocsExamined } }`. Embedded stages: IDHACK, IXSCAN, OR, COLLSCAN.
   */
  explain?(): Promise<unknown>;
}

export interface UpdateOptions extends SessionOption {
  upsert?: boolean;
}

export interface FindOneAndUpdateOptions extends UpdateOptions {
  sort?: SortSpec;
  projection?: Projection;
  returnDocument?: 'before' | 'after';
}

export interface UpdateResult {
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
  upsertedId: unknown;
}

export interface DeleteResult {
  deletedCount: number;
}

export interface InsertOneResult {
  insertedId: unknown;
}

export type BulkWriteOperation<T> =
  | { insertOne: { document: T } }
  | { replaceOne: { filter: Filter; replacement: T; upsert?: boolean } }
  | { updateOne: { filter: Filter; update: Filter; upsert?: boolean } }
  | { deleteOne: { filter: Filter } };

export interface BulkWriteResult {
  insertedCount: number;
  matchedCount: number;
  modifiedCount: number;
  deletedCount: number;
  upsertedCount: number;
}

export interface CreateIndexOptions {
  name?: string;
  unique?: boolean;
}

export interface Collection<T extends Document = Document> {
  insertOne(doc: T, options?: SessionOption): Promise<InsertOneResult>;
  findOne(filter: Filter, options?: FindOptions): Promise<T | null>;
  find(filter: Filter, options?: FindOptions): Cursor<T>;
  replaceOne(filter: Filter, replacement: T, options?: UpdateOptions): Promise<UpdateResult>;
  updateOne(filter: Filter, update: Filter, options?: UpdateOptions): Promise<UpdateResult>;
  deleteOne(filter: Filter, options?: SessionOption): Promise<DeleteResult>;
  countDocuments(filter?: Filter, options?: SessionOption): Promise<number>;
  createIndex(spec: IndexSpec, options?: CreateIndexOptions): Promise<string>;
  findOneAndUpdate(filter: Filter, update: Filter, options?: FindOneAndUpdateOptions): Promise<T | null>;
  bulkWrite(operations: BulkWriteOperation<T>[], options?: SessionOption): Promise<BulkWriteResult>;
}

export interface TransactionOptions {
  /**
   * Resolve once the transaction is committed (visible to everyone) without waiting for the disk;
   * the caller awaits `flush()` before it reports success, so a run of transactions shares one
   * disk sync. An engine whose commits are durable as they return (MongoDB) ignores it.
   */
  deferDurability?: boolean;
}

export interface Store {
  readonly engine: 'embedded' | 'mongodb';
  collection<T extends Document = Document>(name: string): Collection<T>;
  /**
   * Runs `work` in one atomic, isolated transaction. Operations that pass `{ session }`
   * see the transaction's own writes and commit together or not at all.
   * `work` may be called again when the transaction conflicts with a concurrent one,
   * so it must have no side effects outside the store.
   */
  withTransaction<R>(work: (session: Session) => Promise<R>, options?: TransactionOptions): Promise<R>;
  /** Resolves once every transaction committed so far is durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** The error code MongoDB uses for a duplicate key; both engines throw it. */
export const DUPLICATE_KEY = 11000;

export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === DUPLICATE_KEY;
}
