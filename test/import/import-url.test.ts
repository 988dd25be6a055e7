import { join } from 'node:path';
import t from 'tap';
import { loadConfig } from '../../src/config.ts';
import { DEFAULT_ISSUER } from '../../src/auth/dev-tokens/options.ts';
import { SignJWT } from 'jose';
import { loadDevSigningKey } from '../../src/auth/dev-tokens/dev-key-files.ts';
import { client } from '../support/fhir-client.ts';
import { startServer } from '../support/server.ts';
import { IMPORT_FILES } from './fixture-files.ts';
import { runImportCommand, summaryCounts, writeTree } from './import-command.ts';
import { checkImported, checkSummary } from './imported-resources.ts';

const server = await startServer();
const tree = writeTree(IMPORT_FILES);
t.teardown(async () => {
  tree.remove();
  await server.close();
});

t.test('a directory of bundles and NDJSON into a running server', async (t) => {
  const run = await runImportCommand(['--url', server.base, '--batch-size', '2', tree.dir]);
  checkSummary(t, run);
  await checkImported(t, server.base);
});

t.test('importing NDJSON again updates the same resources: ids make it idempotent', async (t) => {
  const fhir = client(server.base);
  const run = await runImportCommand(['--url', `${server.base}/`, '--concurrency', '1', `${tree.dir}/ndjson`]);
  t.equal(run.code, 1, 'the two bad lines fail again');
  t.same(summaryCounts(run.stdout), { imported: 6, failed: 2 });
  t.equal((await fhir.get('/Patient/imp-p1')).body.meta.versionId, '2');
  t.equal((await fhir.get('/Observation/imp-o2')).body.meta.versionId, '2');
  t.equal((await fhir.get('/Patient?_id=imp-p1,imp-p2,imp-p3')).body.total, 3);
  t.equal((await fhir.get('/Patient?family=Безидов')).body.total, 2, 'a line without an id is created again');
});

t.test('a conditional create imported twice creates once; a clean import exits 0', async (t) => {
  const run = await runImportCommand(['--url', server.base, `${tree.dir}/bundles/01-transaction.json`]);
  t.equal(run.code, 0);
  t.same(summaryCounts(run.stdout), { imported: 3, failed: 0 });
  t.notMatch(run.stdout, /Failures by reason/);
  t.equal((await client(server.base).get('/Organization')).body.total, 1);
});

t.test('into a server that requires tokens, the import sends FHIR_TOKEN', async (t) => {
  const audience = 'https://import.test.example/fhir';
  const guarded = await startServer({ auth: { ...loadConfig({}).auth, mode: 'on', audience } });
  t.teardown(() => guarded.close());
  const file = `${tree.dir}/bundles/01-transaction.json`;
  const refused = await runImportCommand(['--url', guarded.base, file]);
  t.equal(refused.code, 1, 'without a token every bundle is refused');
  t.match(refused.stdout, /401/);
  const dir = join(guarded.dataDir, 'auth');
  const { privateKey, kid } = await loadDevSigningKey(dir);
  const token = await new SignJWT({ client_id: 'importer', scope: 'system/*.cruds' })
    .setProtectedHeader({ alg: 'ES256', kid }).setIssuer(DEFAULT_ISSUER).setAudience(audience).setIssuedAt().setExpirationTime('5m').sign(privateKey);
  const run = await runImportCommand(['--url', guarded.base, file], { FHIR_TOKEN: token });
  t.equal(run.code, 0, run.stdout);
  t.same(summaryCounts(run.stdout), { imported: 3, failed: 0 });
});
