import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { client } from '../support/fhir-client.js';
import { type ServerProcess, spawnServer } from '../support/server-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'audit-durability-'));
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
const env = { DATA_DIR: dataDir, RATE_LIMIT: '0' };

/** Reads Patient/`id` one after another for `ms`; the request ids and when each answer came. */
async function readFor(server: ServerProcess, id: string, ms: number): Promise<{ requestId: string; at: number }[]> {
  const acked: { requestId: string; at: number }[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const answer = await client(server.base).get(`/Patient/${id}`);
    if (answer.status !== 200) throw new Error(`read failed: ${answer.status}`);
    acked.push({ requestId: answer.headers.get('x-request-id')!, at: Date.now() });
  }
  return acked;
}

/**
 * The request ids of the reads of Patient/`id` the audit log holds. After a restart the worker links
 * what was stored but not yet linked in the background; $verify-chain links it all first.
 */
async function auditedReads(server: ServerProcess, id: string): Promise<Set<string>> {
  await client(server.base).get('/AuditEvent/$verify-chain');
  const ids = new Set<string>();
  let next: string | undefined = `/AuditEvent?entity=Patient/${id}&subtype=read&_count=500&_elements=entity`;
  while (next) {
    const page = await client(server.base).get(next);
    for (const entry of page.body.entry ?? []) {
      const requestEntity = entry.resource.entity.find((e: any) => e.type?.code === 'XrequestId');
      ids.add(requestEntity.what.identifier.value);
    }
    next = page.body.link.find((l: { relation: string }) => l.relation === 'next')?.url;
  }
  return ids;
}

t.test('a clean shutdown loses no audit record; a crash loses only what was queued in the last second', async (t) => {
  let server = await spawnServer(env);
  const patient = await client(server.base).post('/Patient', { resourceType: 'Patient', name: [{ family: 'Долговечная' }] });
  const cleanRun = await readFor(server, patient.body.id, 1500);
  await server.stop();
  server = await spawnServer(env);
  const afterClean = await auditedReads(server, patient.body.id);
  t.equal(cleanRun.filter((read) => !afterClean.has(read.requestId)).length, 0, `all ${cleanRun.length} reads acknowledged before SIGTERM are in the audit log`);

  const crashRun = await readFor(server, patient.body.id, 2000);
  const killedAt = Date.now();
  await server.kill9();
  server = await spawnServer(env);
  t.teardown(() => server.stop());
  const afterCrash = await auditedReads(server, patient.body.id);
  const lost = crashRun.filter((read) => !afterCrash.has(read.requestId));
  const oldestLost = lost.length > 0 ? killedAt - Math.min(...lost.map((read) => read.at)) : 0;
  t.comment(`kill -9 after ${crashRun.length} reads: ${lost.length} audit records lost, the oldest acknowledged ${oldestLost} ms before the kill`);
  t.ok(oldestLost <= 1000, 'nothing acknowledged more than a second before the crash is lost');
  t.ok(crashRun.length - lost.length > 0, 'the reads before the last flush are kept');
  const chain = await client(server.base).get('/AuditEvent/$verify-chain');
  t.equal(chain.body.parameter[0].valueBoolean, true, 'the chain is intact after the crash');
});
