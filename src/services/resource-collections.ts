import { INDEX_SPECS } from '../search/index.js';
import type { Store } from '../store/types.js';
import { HISTORY_COLLECTION } from './stored-document.js';

const HISTORY_INDEXES = [
  { type: 1, id: 1, versionId: -1 },
  { lastUpdated: -1, _id: -1 },
  { type: 1, lastUpdated: -1, _id: -1 },
] as const;

/** Creates the collection indexes of each resource type and of the history, once per process. */
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

  /** At start: every type's indexes exist before the first request (createIndex is idempotent). */
  async ensureAll(types: readonly string[]): Promise<void> {
    await Promise.all([this.ensureHistory(), ...types.map((type) => this.ensure(type))]);
  }

  private async ensureHistory(): Promise<void> {
    const history = this.store.collection(HISTORY_COLLECTION);
    for (const spec of HISTORY_INDEXES) await history.createIndex({ ...spec });
  }

  private async createIndexes(type: string): Promise<void> {
    const collection = this.store.collection(type);
    for (const spec of INDEX_SPECS) await collection.createIndex({ ...spec });
  }
}
