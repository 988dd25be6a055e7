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

export class Catalog {
  private cache = new Map<string, { version: unknown; defs: IndexDef[] }>();

  constructor(private readonly db: Database<unknown, string>) {}

  /** The current version token: equal tokens mean an unchanged catalog. */
  version(): unknown {
    return this.db.get(VERSION_KEY) ?? 0;
  }

  indexes(collection: string, version = this.version()): IndexDef[] {
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
    this.db.put(VERSION_KEY, randomUUID());
    return stored;
  }
}
