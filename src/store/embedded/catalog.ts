/**
 * Persistent index definitions. A version token, replaced in the same write
 * transaction as any index change, lets every process (several may share the
 * env) notice an index created or flagged elsewhere before it reads or writes.
 * Tokens are random, so a token seen inside a transaction that later aborted
 * is never reused by a different catalog state.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from 'lmdb';
import type { IndexDef } from './index-keys.ts';

const VERSION_KEY = 'version';

export class Catalog {
  private cache = new Map<string, { version: unknown; defs: IndexDef[] }>();

  constructor(private readonly db: Database<unknown, string>) {}

  private version(): unknown {
    return this.db.get(VERSION_KEY) ?? 0;
  }

  indexes(collection: string): IndexDef[] {
    const version = this.version();
    const cached = this.cache.get(collection);
    if (cached && cached.version === version) return cached.defs;
    const prefix = `index:${collection}:`;
    const defs: IndexDef[] = [];
    for (const { value } of this.db.getRange({ start: prefix, end: `${prefix}\uffff` })) {
      defs.push(value as IndexDef);
    }
    this.cache.set(collection, { version, defs });
    return defs;
  }

  /** Adds or replaces a definition. Must run inside a write transaction. */
  putIndex(collection: string, def: IndexDef): void {
    this.db.put(`index:${collection}:${def.name}`, def);
    this.db.put(VERSION_KEY, randomUUID());
  }
}
