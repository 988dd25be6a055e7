/** Picks the storage engine: MongoDB when a URI is configured, otherwise the embedded store in dataDir. */
import { openEmbeddedStore } from './embedded/store.ts';
import { openMongoStore } from './mongodb/store.ts';
import type { Store } from './types.ts';

export interface OpenStoreOptions {
  mongodbUri?: string;
  dataDir: string;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.mongodbUri) return openMongoStore(options.mongodbUri);
  return openEmbeddedStore(options.dataDir);
}
