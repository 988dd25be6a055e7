import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { client } from '../support/fhir-client.js';
import { observation } from '../support/fixtures.js';
import { spawnServer } from '../support/server-process.js';

const embeddedOnly = process.env.MONGODB_URI ? 'the crash test exercises the embedded engine' : false;

t.test('kill -9 during a stream of writes loses no acknowledged write', { skip: embeddedOnly }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-crash-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const server = await spawnServer({ DATA_DIR: dataDir });
  const fhir = client(server.base);
  const acknowledged: string[] = [];
  let writing = true;
  const writers = Array.from({ length: 16 }, async () => {
    while (writing) {
      try {
        const res = await fhir.post('/Observation', observation('crash'));
        if (res.status === 201) acknowledged.push(res.body.id);
      } catch {
        return; // the connection died with the server
      }
    }
  });
  while (acknowledged.length < 300) await new Promise((resolve) => setTimeout(resolve, 10));
  await server.kill9();
  writing = false;
  await Promise.all(writers);
  t.ok(acknowledged.length >= 300, `${acknowledged.length} writes acknowledged before the kill`);

  const restarted = await spawnServer({ DATA_DIR: dataDir });
  t.teardown(() => restarted.stop());
  const again = client(restarted.base);
  const missing: string[] = [];
  for (const id of acknowledged) if ((await again.get(`/Observation/${id}`)).status !== 200) missing.push(id);
  t.same(missing, [], 'every acknowledged write is there after restart');
  const created = await again.post('/Observation', observation('after'));
  t.equal(created.status, 201, 'the store accepts writes after the crash');
});
