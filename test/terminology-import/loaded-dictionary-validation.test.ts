/**
 * A dictionary loaded with the command is what the server checks codes against. The ФСЛИ export
 * here is invented: 9999001 (the code of the EGISZ test fixtures) and 9999002 are in it, 9999999
 * is not. The egisz-lab-observation profile binds Observation.code.coding:fsli to
 * ValueSet/fsli (every ФСЛИ code) with strength required, so a code outside it is an error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { openStore } from '../../src/store/open-store.js';
import { client } from '../support/fhir-client.js';
import { startServer } from '../support/server.js';
import { labObservation } from '../validation/egisz-fixtures.js';
import { runLoadDictionary, writeTree } from './load-command.js';

const FSLI_OID = '1.2.643.5.1.13.13.11.1080';
const FSLI_VALUE_SET = 'https://egisz.example.ru/fhir/ValueSet/fsli';

const tree = writeTree({
  'fsli.csv': 'ID;NAME\n9999001;Гемоглобин в крови (код придуман)\n9999002;Эритроциты (код придуман)\n',
  'empty/.keep': '',
});
t.teardown(tree.remove);
const terminologyDir = join(tree.dir, 'terminology');
const loaded = await runLoadDictionary([join(tree.dir, 'fsli.csv'), '--oid', FSLI_OID, '--version', '3.40', '--out', terminologyDir]);
t.equal(loaded.code, 0, loaded.stderr);

function observationWithCode(code: string) {
  const observation = { ...labObservation(), id: undefined };
  observation.code.coding![0]!.code = code;
  return observation;
}

const reasons = (body: any): string[] => body.issue.map((i: any) => i.details?.coding?.[0]?.code);

t.test('without the dictionary a ФСЛИ code is only warned about', async (t) => {
  const server = await startServer({ profiles: 'egisz', terminologyDir: join(tree.dir, 'empty') });
  t.teardown(() => server.close());
  const fhir = client(server.base);
  t.equal((await fhir.post('/Observation', observationWithCode('9999999'))).status, 201);
  const checked = await fhir.post('/Observation/$validate', observationWithCode('9999001'));
  const warning = checked.body.issue.find((i: any) => i.details?.coding?.[0]?.code === 'VAL_BINDING_UNKNOWN_DICTIONARY');
  t.equal(warning?.severity, 'warning');
  t.same(warning?.expression, ['Observation.code.coding[0]']);
});

t.test('with the loaded dictionary a code in it passes without a warning, a code outside it is refused', async (t) => {
  const server = await startServer({ profiles: 'egisz', terminologyDir });
  t.teardown(() => server.close());
  const fhir = client(server.base);

  const known = await fhir.post('/Observation', observationWithCode('9999002'));
  t.equal(known.status, 201, JSON.stringify(known.body?.issue));
  const checked = await fhir.post('/Observation/$validate', observationWithCode('9999001'));
  t.same(checked.body.issue.map((i: any) => i.severity), ['information'], 'no warning: the code was checked and found');

  const unknown = await fhir.post('/Observation', observationWithCode('9999999'));
  t.equal(unknown.status, 422);
  t.same(reasons(unknown.body), ['FHIR_ERR_VALIDATION_FAILED', 'VAL_BINDING'], 'the binding is the only issue');
  const binding = unknown.body.issue[1];
  t.equal(binding.severity, 'error');
  t.equal(binding.code, 'value');
  t.same(binding.expression, ['Observation.code.coding[0]']);
  t.match(binding.diagnostics, `"9999999" (urn:oid:${FSLI_OID}) is not in the ValueSet ${FSLI_VALUE_SET}, required by profile`);
  t.match(binding.details.text, 'не входит в набор значений');
  t.equal((await fhir.get(`/Observation?code=urn:oid:${FSLI_OID}|9999999`)).body.total, 0, 'nothing stored');
  t.equal((await fhir.get(`/Observation?code:in=${FSLI_VALUE_SET}`)).body.total, 1, 'the ValueSet now expands for :in');
});

t.test('a dictionary that cannot be used stops the start, naming the file', async (t) => {
  const broken = writeTree({
    'not-json/CodeSystem-x.json': '{"resourceType": "CodeSystem",',
    'other-version/ValueSet-fsli.json': JSON.stringify({ resourceType: 'ValueSet', url: FSLI_VALUE_SET, version: '9.9', status: 'active' }),
  });
  t.teardown(broken.remove);
  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-test-'));
  const store = await openStore({ dataDir });
  t.teardown(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const config = { ...loadConfig({}), dataDir, logLevel: 'silent' };
  await t.rejects(buildApp({ ...config, terminologyDir: join(broken.dir, 'not-json') }, store), /CodeSystem-x\.json cannot be read as JSON/);
  await t.rejects(buildApp({ ...config, terminologyDir: join(broken.dir, 'other-version') }, store),
    /ValueSet-fsli\.json: ValueSet https:\/\/egisz\.example\.ru\/fhir\/ValueSet\/fsli has version 9\.9, but this server defines version 0\.1\.0/);
});
