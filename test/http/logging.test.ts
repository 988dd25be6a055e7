import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { client } from '../support/fhir-client.js';
import { patient } from '../support/fixtures.js';
import { spawnServer } from '../support/server-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'fhir-log-'));
const server = await spawnServer({ DATA_DIR: dataDir });
t.teardown(async () => {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});
const fhir = client(server.base);

t.test('logs are JSON lines with a request id and no patient data', async (t) => {
  const snils = '11223344595';
  const created = await fhir.post('/Patient', patient('Уникальнофамильный', snils), { headers: { 'x-request-id': 'trace-42' } });
  t.equal(created.status, 201);
  t.equal(created.headers.get('x-request-id'), 'trace-42', 'the request id is echoed');
  await fhir.get(`/Patient?family=Уникальнофамильный&identifier=urn:oid:1.2.643.100.3|${snils}`);
  await fhir.get(`/Patient?name=${encodeURIComponent('Уникальнофамильный')}&bogus=${snils}`, { headers: { prefer: 'handling=strict' } });
  await fhir.send('POST', '/Patient', { raw: `{"name": "Уникальнофамильный ${snils}"` });
  await fhir.put('/Patient/x', { ...patient('Уникальнофамильный', snils), id: 'y' });
  await new Promise((resolve) => setTimeout(resolve, 200));

  const records = server.lines.map((line) => JSON.parse(line));
  const requestRecords = records.filter((r) => r.msg === 'request completed');
  t.equal(requestRecords.length, 5, 'each request is logged once');
  t.same(requestRecords.map((r) => r.res.statusCode), [201, 200, 400, 400, 400]);
  t.ok(requestRecords.every((r) => typeof r.reqId === 'string' && r.reqId.length > 0), 'every request line has reqId');
  t.ok(records.some((r) => r.reqId === 'trace-42'), 'a client request id is used');
  const everything = server.lines.join('\n');
  t.notMatch(everything, /Уникальнофамильный/, 'no names');
  t.notMatch(everything, new RegExp(snils), 'no identifiers');
  t.notMatch(everything, /1980-04-12/, 'no bodies');
  t.ok(records.some((r) => r.code === 'FHIR_ERR_JSON_MALFORMED'), 'rejections are logged by code');
});
