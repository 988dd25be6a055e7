import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { openStore } from '../../src/store/open-store.js';

t.test('a data directory whose name has a dot is a directory, not a file name', async (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'open-store-'));
  t.teardown(() => rmSync(parent, { recursive: true, force: true }));
  for (const name of ['fhir.data', 'plain']) {
    const dataDir = join(parent, name);
    const store = await openStore({ dataDir });
    await store.collection('Patient').insertOne({ _id: 'p1', name: 'x' });
    await store.close();
    t.ok(existsSync(join(dataDir, 'data.mdb')), `${name}/data.mdb holds the data`);
    const again = await openStore({ dataDir });
    t.same(await again.collection('Patient').findOne({ _id: 'p1' }), { _id: 'p1', name: 'x' }, `${name} reopens with the data`);
    await again.close();
  }
});
