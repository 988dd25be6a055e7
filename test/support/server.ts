import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { type Config, loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/types.js';

export interface TestServer {
  /** The FHIR base URL, e.g. http://127.0.0.1:41234/fhir */
  base: string;
  dataDir: string;
  /** The server's own store, for tests that look at (or tamper with) what it holds. */
  store: Store;
  close(): Promise<void>;
}

/**
 * A real server on a random loopback port over a real store: the embedded engine in a fresh
 * temporary directory, or, when MONGODB_URI is set, a fresh database on that MongoDB deployment.
 */
export async function startServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-test-'));
  const mongodbUri = process.env.MONGODB_URI ? withDatabase(process.env.MONGODB_URI, `fhir_test_${randomUUID().slice(0, 8)}`) : undefined;
  // base R4 validation as in production; the EGISZ profiles only where a test asks (its fixtures are not all EGISZ-shaped)
  // no dictionaries unless a test loads some: a ./terminology of the developer's must not change results
  const config: Config = {
    ...loadConfig({}), dataDir, mongodbUri, logLevel: 'silent', profiles: 'none', terminologyDir: join(dataDir, 'terminology'),
    // authentication only where a test asks for it; test/http/auth*.test.ts do
    auth: { ...loadConfig({}).auth, mode: 'off' },
    ...overrides,
  };
  const store = await openStore({ mongodbUri: config.mongodbUri, dataDir });
  const app = await buildApp(config, store);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/fhir`,
    dataDir,
    store,
    async close() {
      await app.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function withDatabase(uri: string, database: string): string {
  const url = new URL(uri);
  url.pathname = `/${database}`;
  return url.toString();
}
