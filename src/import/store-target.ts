import { loadConfig } from '../config.js';
import { buildApp, FHIR_BASE_PATH } from '../http/app.js';
import { openStore } from '../store/open-store.js';
import { InputError } from './input-error.js';
import { BUNDLE_HEADERS, type ImportTarget, parseJsonOrUndefined } from './target.js';

export interface StoreLocation {
  dataDir?: string;
  mongodbUri?: string;
}

/**
 * The store itself, without a server process: the app is built in this process over the store,
 * as src/main.ts does, and each Bundle goes through app.inject, so it meets the same validation
 * and atomicity as over HTTP.
 */
export async function openStoreTarget(location: StoreLocation): Promise<ImportTarget> {
  // direct access to the store needs no token and no rate limit; notifications are left to the server to deliver
  const settings = loadConfig(process.env);
  const config = { ...settings, logLevel: 'silent', mongodbUri: location.mongodbUri, auth: { ...settings.auth, mode: 'off' as const }, rateLimit: { ...settings.rateLimit, max: 0 } };
  if (location.dataDir) config.dataDir = location.dataDir;
  const store = await openStore({ mongodbUri: config.mongodbUri, dataDir: config.dataDir }).catch((err: Error) => {
    throw new InputError(`cannot open the store at ${location.mongodbUri ?? location.dataDir}: ${err.message}`);
  });
  const app = await buildApp(config, store, { deliverNotifications: false });
  await app.ready();
  return {
    async post(bundleJson) {
      const response = await app.inject({ method: 'POST', url: FHIR_BASE_PATH, headers: BUNDLE_HEADERS, payload: bundleJson });
      return { status: response.statusCode, body: parseJsonOrUndefined(response.body) };
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}
