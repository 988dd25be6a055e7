import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { client } from '../support/fhir-client.ts';
import { startServer } from '../support/server.ts';
import { runImportCommand, SHARED_DATA, summaryCounts } from './import-command.ts';

const SYNTHEA = join(SHARED_DATA, 'synthea');
// The two smallest of the public Synthea transaction bundles, read in place.
const FILES = ['Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json', 'Floyd_Connelly_66843218-a9f9-4f16-8347-bdc2a0d14265.json'].map((name) => join(SYNTHEA, name));
const absent = FILES.every(existsSync) ? false : `the Synthea bundles are not in ${SYNTHEA}`;

t.test('two Synthea patient bundles into a running server', { skip: absent }, async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const [clemente, floyd] = FILES.map((file) => (JSON.parse(readFileSync(file, 'utf8')) as { entry: { request: { url: string } }[] }).entry);
  const entries = [...clemente!, ...floyd!];
  const observationsOf = (some: typeof entries) => some.filter((entry) => entry.request.url === 'Observation').length;
  const run = await runImportCommand(['--url', server.base, ...FILES]);
  t.equal(run.code, 0, run.stdout);
  t.same(summaryCounts(run.stdout), { imported: entries.length, failed: 0 });
  const fhir = client(server.base);
  t.equal((await fhir.get('/Patient?_summary=count')).body.total, 2);
  t.equal((await fhir.get('/Observation?_summary=count')).body.total, observationsOf(entries));
  const [patient] = (await fhir.get('/Patient?family=Kreiger')).body.entry;
  t.equal((await fhir.get(`/Observation?subject=Patient/${patient.resource.id}&_summary=count`)).body.total, observationsOf(clemente!), 'references by urn:uuid now point at the created Patient');
});
