import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { client } from '../support/fhir-client.js';
import { observation, patient } from '../support/fixtures.js';
import { spawnServer } from '../support/server-process.js';

const ENTRIES = 10_000;
/**
 * A guard against work or memory that grows with the square of the entries, with room for noise.
 * The target (under 200 MB) is measured by `npm run bench:transaction`, which prints the figure.
 */
const MAX_GROWTH_MB = 320;

/** Resident and peak resident memory of a process, from /proc (Linux). */
function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

const dataDir = mkdtempSync(join(tmpdir(), 'fhir-size-'));
const server = await spawnServer({ DATA_DIR: dataDir, BODY_LIMIT: String(32 * 1024 * 1024) });
t.teardown(async () => {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});
const fhir = client(server.base);

t.test(`a ${ENTRIES}-entry transaction commits whole, with bounded memory`, async (t) => {
  await fhir.post('/Patient', patient('Разогрев', '55566677704')); // the server's start-up allocations before the baseline
  const before = memoryMb(server.child.pid!);
  const entry = [
    { fullUrl: 'urn:uuid:22222222-0000-4000-8000-000000000000', resource: patient('Большой', '11223344595'), request: { method: 'POST', url: 'Patient' } },
    ...Array.from({ length: ENTRIES - 1 }, (_, i) => ({
      fullUrl: `urn:uuid:22222222-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      resource: { ...observation('x', String(i % 500)), subject: { reference: 'urn:uuid:22222222-0000-4000-8000-000000000000' } },
      request: { method: 'POST', url: 'Observation' },
    })),
  ];
  const res = await fhir.post('', { resourceType: 'Bundle', type: 'transaction', entry }, { headers: { prefer: 'return=minimal' } });
  t.equal(res.status, 200);
  t.equal(res.body.entry.length, ENTRIES);
  t.ok(res.body.entry.every((e: any) => e.response.status === '201 Created'), 'every entry created');
  const patientId = /^Patient\/([^/]+)\//.exec(res.body.entry[0].response.location)![1];
  const stored = await fhir.get(`/Observation?subject=Patient/${patientId}&_total=accurate&_count=0`);
  t.equal(stored.body.total, ENTRIES - 1, 'every observation stored, referring to the new patient');
  const after = memoryMb(server.child.pid!);
  t.comment(`RSS before ${before.rss.toFixed(0)} MB, peak after ${after.peak.toFixed(0)} MB`);
  t.ok(after.peak - before.rss < MAX_GROWTH_MB, `peak RSS grew ${(after.peak - before.rss).toFixed(0)} MB (limit ${MAX_GROWTH_MB})`);
});

t.test('a body over the limit gets 413 before it is read whole', async (t) => {
  const url = new URL(server.base);
  const declared = 64 * 1024 * 1024;
  // Declare a body twice the limit but send only its first bytes: the answer must come without the rest.
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    import('node:http').then(({ request }) => {
      const req = request({ host: url.hostname, port: url.port, path: '/fhir', method: 'POST',
        headers: { 'content-type': 'application/fhir+json', 'content-length': declared } }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.write('{"resourceType":"Bundle","type":"transaction","entry":[');
    }, reject);
  });
  t.equal(answer.status, 413);
  t.equal(JSON.parse(answer.body).issue[0].details.coding[0].code, 'FHIR_ERR_TOO_LARGE');
});
