/**
 * Index definitions are cached per catalog version token, read with one small get per
 * operation (once per write transaction when committing). Another store on the same
 * environment (as another process would) creating an index must still be noticed by
 * every later write, including a transaction's insert prepared before the index existed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { openEmbeddedStore } from '../../src/store/embedded/store.ts';

t.test('an index created through another catalog is seen by the next writes', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'store-catalog-cache-'));
  const a = openEmbeddedStore(dataDir);
  const b = openEmbeddedStore(dataDir);
  t.teardown(async () => {
    await a.close();
    await b.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const ca = a.collection('c');
  await ca.createIndex({ y: 1 });
  await ca.insertOne({ _id: '1', x: 1, y: 1 });

  // prepared (index keys made) in a transaction before the index exists, committed after
  await a.withTransaction(async (session) => {
    await ca.insertOne({ _id: '2', x: 2, y: 2 }, { session });
    await b.collection('c').createIndex({ x: 1 });
  });
  await ca.insertOne({ _id: '3', x: 3, y: 3 });
  await a.withTransaction(async (session) => {
    await ca.insertOne({ _id: '4', x: 4, y: 4 }, { session });
  });

  for (const store of [a, b]) {
    const c = store.collection('c');
    for (const x of [1, 2, 3, 4]) {
      t.same((await c.find({ x }).toArray()).map((d) => d._id), [String(x)], `x ${x} found through the new index`);
      t.same((await c.find({ y: x }).toArray()).map((d) => d._id), [String(x)], `y ${x} found through the old index`);
    }
    t.same((await c.find({ x: { $gte: 2 } }).toArray()).map((d) => d._id).sort(), ['2', '3', '4']);
  }
  // createIndex of a stored definition is a no-op either way
  t.equal(await ca.createIndex({ x: 1 }), 'x_1');
  t.equal(await b.collection('c').createIndex({ y: 1 }), 'y_1');
});
