import { INDEX_SPECS } from '../search/index.js';
import type { Store } from '../store/types.js';
import { HISTORY_COLLECTION } from './stored-document.js';

const HISTORY_INDEXES = [
  { type: 1, id: 1, versionId: -1 },
  { lastUpdated: -1, _id: -1 },
  { type: 1, lastUpdated: -1, _id: -1 },
] as const;

/** Creates each resource type's collection indexes once, on first use of that type. */
export class ResourceCollections {
  private readonly ready = new Map<string, Promise<void>>();

  constructor(private readonly store: Store) {}

  ensure(type: string): Promise<void> {
    let pending = this.ready.get(type);
    if (!pending) {
      pending = this.createIndexes(type);
      pending.catch(() => this.ready.delete(type));
      this.ready.set(type, pending);
    }
    return pending;
  }

  async ensureHistory(): Promise<void> {
    const history = this.store.collection(HISTORY_COLLECTION);
    for (const spec of HISTORY_INDEXES) await history.createIndex({ ...spec });
  }

  private async createIndexes(type: string): Promise<void> {
    const collection = this.store.collection(type);
    for (const spec of INDEX_SPECS) await collection.createIndex({ ...spec });
  }
}
