import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { openStore } from '../../src/store/open-store.ts';
import { contractSuite } from './contract-suite.ts';

t.test('embedded engine', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'store-contract-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  contractSuite(t, { open: () => openStore({ dataDir }) });
});

const mongodbUri = process.env.MONGODB_URI;
t.test('mongodb engine', { skip: mongodbUri ? false : 'MONGODB_URI is not set; the MongoDB contract run is skipped' }, async (t) => {
  contractSuite(t, { open: () => openStore({ mongodbUri, dataDir: '' }) });
});
