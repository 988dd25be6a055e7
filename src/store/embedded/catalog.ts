/**
 * Persistent index definitions. A version counter, bumped in the same write
 * transaction as any index change, lets every process (several may share the
 * env) notice an index created elsewhere before it reads or writes.
 */
import type { Database } from 'lmdb';
import type { IndexDef } from './index-keys.ts';

const VERSION_KEY = 'version';

export class Catalog {
  private cache = new Map<string, { version: number; defs: IndexDef[] }>();

  constructor(private readonly db: Database<unknown, string>) {}

  private version(): number {
    return (this.db.get(VERSION_KEY) as number | undefined) ?? 0;
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

  /** Must run inside a write transaction. */
  addIndex(collection: string, def: IndexDef): void {
    this.db.put(`index:${collection}:${def.name}`, def);
    this.db.put(VERSION_KEY, this.version() + 1);
  }
}
