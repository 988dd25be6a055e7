/**
 * The embedded engine: one lmdb environment in a directory, one sub-database
 * per collection for documents and one for its index entries, plus a catalog
 * of index definitions. Several processes may open the same directory.
 */
import { mkdirSync } from 'node:fs';
import { type Database, type DatabaseOptions, type RootDatabase, open } from 'lmdb';
import type { Document, Session, Store, TransactionOptions } from '../types.ts';
import { Catalog } from './catalog.ts';
import { EmbeddedCollection } from './collection.ts';
import { documentCodec } from './document-codec.ts';
import { CollectionStorage } from './collection-storage.ts';
import { runTransaction } from './transaction-runner.ts';

export interface EmbeddedStoreOptions {
  /** Upper bound on collections × 2 + 1 sub-databases in the environment. */
  maxDbs?: number;
  /** Documents at least this many bytes (encoded) are stored LZ4-compressed. */
  compressionThreshold?: number;
  /** lmdb page size for a new environment (an existing one keeps its own). */
  pageSize?: number;
}

/**
 * Compression runs on the main thread for writes made inside transaction callbacks (all of
 * ours), at a large fixed cost per value (LZ4 loads its dictionary each time): ~100 µs of a
 * create's ~350. Only documents too big to sit well in a page are compressed. The docs
 * databases keep the compression flag, so documents compressed under a lower threshold
 * (environments written before) stay readable.
 */
const DEFAULT_COMPRESSION_THRESHOLD = 4000;
/**
 * Uncompressed documents of 2–8 KB fit in 16 KB leaf pages; with 4 KB pages each takes an
 * overflow page of its own (a 2.8 KB Observation: 12.4 KB per create instead of 10.4 KB).
 * lmdb applies a page size only when it creates the environment; an existing one keeps its own.
 */
const DEFAULT_PAGE_SIZE = 16384;

/**
 * Keys of the index databases written as they are and read as nothing: a scan that wants only
 * the entries' values (their documents' primary keys) is spared a copy of every key. Only for
 * scans finished in one synchronous run: lmdb repositions a cursor renewed mid-scan by its key.
 */
const VALUES_ONLY = {
  writeKey: (key: Buffer, target: Buffer, start: number): number => {
    target.set(key, start);
    return start + key.length;
  },
  readKey: (): undefined => undefined,
};

export class EmbeddedStore implements Store {
  readonly engine = 'embedded' as const;
  private readonly collections = new Map<string, EmbeddedCollection>();
  private readonly catalog: Catalog;

  constructor(
    private readonly env: RootDatabase,
    private readonly compressionThreshold = DEFAULT_COMPRESSION_THRESHOLD,
  ) {
    this.catalog = new Catalog(env.openDB({ name: '__catalog' }) as Database<unknown, string>);
  }

  collection<T extends Document = Document>(name: string): EmbeddedCollection<T> {
    let coll = this.collections.get(name);
    if (!coll) {
      const docs = this.env.openDB({ name: `docs:${name}`, keyEncoding: 'binary', encoder: documentCodec, compression: { threshold: this.compressionThreshold } } as DatabaseOptions & { name: string }) as unknown as Database<Document, Buffer>;
      const entries = this.env.openDB({ name: `index:${name}`, keyEncoding: 'binary', encoding: 'binary' }) as unknown as Database<Buffer, Buffer>;
      const entryValues = this.env.openDB({ name: `index:${name}`, keyEncoder: VALUES_ONLY, encoding: 'binary' } as DatabaseOptions & { name: string }) as unknown as Database<Buffer, Buffer>;
      coll = new EmbeddedCollection(new CollectionStorage(name, docs, { entries, entryValues }, this.catalog), this.env);
      this.collections.set(name, coll);
    }
    return coll as unknown as EmbeddedCollection<T>;
  }

  withTransaction<R>(work: (session: Session) => Promise<R>, options?: TransactionOptions): Promise<R> {
    return runTransaction(this.env, work, options);
  }

  async flush(): Promise<void> {
    await this.env.flushed;
  }

  async close(): Promise<void> {
    await this.env.flushed;
    await this.env.close();
  }
}

const MAP_SIZE = 256 * 1024 ** 3;

/** Opens (creating if needed) the store in `dataDir`. Uses lmdb's default, fully synced commits. */
export function openEmbeddedStore(dataDir: string, options: EmbeddedStoreOptions = {}): EmbeddedStore {
  mkdirSync(dataDir, { recursive: true });
  // noSubdir: false, or lmdb takes a DATA_DIR with a dot in its name ("fhir.data") for a file name.
  // A map reserved large up front is never remapped as the file grows; remapping left the old
  // mapping's pages resident too, counting the file twice in RSS. It is address space, not memory.
  const env = open({
    path: dataDir, noSubdir: false, maxDbs: options.maxDbs ?? 2000,
    pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE, mapSize: MAP_SIZE,
  });
  return new EmbeddedStore(env, options.compressionThreshold);
}
