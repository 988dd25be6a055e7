/**
 * Persistent index definitions. A version token, replaced in the same write
 * transaction as any index change, lets every process (several may share the
 * env) notice an index created or flagged elsewhere before it reads or writes.
 * Tokens are random, so a token seen inside a transaction that later aborted
 * is never reused by a different catalog state.
 *
 * Each definition gets a small numeric id, unique within its collection and
 * never reused, which prefixes its index keys (see index-keys.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Database } from 'lmdb';
import type { IndexDef } from './index-keys.ts';

const VERSION_KEY = 'version';

interface Cached {
  /** The version token the definitions were read at. */
  version: string;
  defs: IndexDef[];
  /** Each stored definition's JSON, to keep the same objects when a version change left them unchanged. */
  json: string[];
}

export class Catalog {
  private cache = new Map<string, Cached>();
  /** The last version token read, as stored (bytes) and as a string. */
  private lastBytes: Buffer | undefined;
  private lastVersion = '0';
  /** Set while a write transaction is pinned (see `pinned`): the token it has seen or written. */
  private pinnedVersion: string | undefined;

  constructor(private readonly db: Database<unknown, string>) {}

  /**
   * The current version token: equal tokens mean an unchanged catalog. One small get,
   * compared as bytes with the last token read (no decoding unless it changed); none
   * while pinned.
   */
  version(): string {
    if (this.pinnedVersion !== undefined) return this.pinnedVersion;
    // lmdb's shared read buffer: valid until the next get, and only its `length` property is the value's size
    const bytes = this.db.getBinaryFast(VERSION_KEY);
    if (bytes === undefined) return '0';
    const n = bytes.length;
    const last = this.lastBytes;
    let same = last !== undefined && last.length === n;
    for (let i = 0; same && i < n; i++) same = last![i] === bytes[i];
    if (!same) {
      const copy = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) copy[i] = bytes[i];
      this.lastVersion = `v:${String(this.db.get(VERSION_KEY))}`;
      this.lastBytes = copy;
    }
    return this.lastVersion;
  }

  /**
   * Runs `fn`, which must run synchronously inside one lmdb write transaction, reading the
   * version once: nobody else can change the catalog while the transaction holds the write
   * lock, and this catalog's own changes (`putIndex`) update the pinned token.
   */
  pinned<R>(fn: () => R): R {
    if (this.pinnedVersion !== undefined) return fn();
    this.pinnedVersion = this.version();
    try {
      return fn();
    } finally {
      this.pinnedVersion = undefined;
    }
  }

  indexes(collection: string, version = this.version()): IndexDef[] {
    const cached = this.cache.get(collection);
    if (cached && cached.version === version) return cached.defs;
    const prefix = `index:${collection}:`;
    const defs: IndexDef[] = [];
    const json: string[] = [];
    let same = cached !== undefined;
    for (const { value } of this.db.getRange({ start: prefix, end: `${prefix}\uffff` })) {
      const s = JSON.stringify(value);
      const i = defs.length;
      // an unchanged definition keeps its object (and so its compiled form, and prepared writes stay current)
      if (same && cached && cached.json[i] === s) defs.push(cached.defs[i]);
      else {
        same = false;
        defs.push(value as IndexDef);
      }
      json.push(s);
    }
    const unchanged = same && cached !== undefined && cached.defs.length === defs.length;
    this.cache.set(collection, { version, defs: unchanged ? cached.defs : defs, json });
    return unchanged ? cached.defs : defs;
  }

  /** Adds or replaces a definition, giving it an id if it has none. Must run inside a write transaction. */
  putIndex(collection: string, def: IndexDef): IndexDef {
    let stored = def;
    if (stored.id === undefined) {
      const counter = `nextIndexId:${collection}`;
      const id = (this.db.get(counter) as number | undefined) ?? 1;
      this.db.put(counter, id + 1);
      stored = { ...def, id };
    }
    this.db.put(`index:${collection}:${def.name}`, stored);
    const token = randomUUID();
    this.db.put(VERSION_KEY, token);
    if (this.pinnedVersion !== undefined) this.pinnedVersion = `v:${token}`;
    return stored;
  }
}
