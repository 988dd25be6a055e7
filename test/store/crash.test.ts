/** kill -9 in the middle of writes: the store reopens cleanly with every acknowledged write. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { openEmbeddedStore } from '../../src/store/embedded/store.ts';

t.test('acknowledged writes survive SIGKILL', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'store-crash-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'crash-writer.ts'), dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acked: string[] = [];
  let buffer = '';
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => resolve());
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      acked.push(...lines);
      if (acked.length >= 1500 && child.exitCode === null) child.kill('SIGKILL');
    });
  });
  t.ok(acked.length >= 1500, `${acked.length} writes acknowledged before the kill`);

  const store = openEmbeddedStore(dataDir);
  t.teardown(() => store.close());
  const c = store.collection('crash');
  const missing: string[] = [];
  for (const id of acked) if (!(await c.findOne({ _id: id }))) missing.push(id);
  t.same(missing, [], 'no acknowledged write is lost');
  const total = await c.countDocuments({});
  let viaIndex = 0;
  for (let g = 0; g < 7; g++) viaIndex += await c.countDocuments({ group: g });
  t.equal(viaIndex, total, 'the index agrees with the documents');
  await c.insertOne({ _id: 'after-crash', group: 1 });
  t.ok(await c.findOne({ _id: 'after-crash' }), 'the store accepts writes after recovery');
});
