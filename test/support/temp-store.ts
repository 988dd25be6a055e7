import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/types.js';

/** A real embedded store in a fresh temporary directory, closed and removed when `t` ends. */
export async function openTempStore(t: Pick<Test, 'teardown'>, name: string): Promise<Store> {
  const dataDir = mkdtempSync(join(tmpdir(), `fhir-${name}-`));
  const store = await openStore({ dataDir });
  t.teardown(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return store;
}
