import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { spawnServer } from '../support/server-process.ts';
import { IMPORT_FILES } from './fixture-files.ts';
import { runImportCommand, writeTree } from './import-command.ts';
import { checkImported, checkSummary } from './imported-resources.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'fhir-import-store-'));
const tree = writeTree(IMPORT_FILES);
t.teardown(() => {
  tree.remove();
  rmSync(dataDir, { recursive: true, force: true });
});
const embeddedOnly = process.env.MONGODB_URI ? 'imports into an embedded store directory; the --url tests cover MongoDB' : false;

t.test('a directory straight into the store (no server), then a server started on that store finds it', { skip: embeddedOnly }, async (t) => {
  const store = join(dataDir, 'not-yet-there');
  const run = await runImportCommand(['--data-dir', store, '--batch-size', '2', tree.dir]);
  checkSummary(t, run);
  const server = await spawnServer({ DATA_DIR: store });
  t.teardown(() => server.stop());
  await checkImported(t, server.base);
});
