import type { Test } from 'tap';
import { client } from '../support/fhir-client.ts';
import { EXPECTED, IMPORT_FILES } from './fixture-files.ts';
import { reasonLines, type CommandRun, summaryCounts } from './import-command.ts';

const ids = (bundle: { entry?: { resource: { id: string } }[] }) => (bundle.entry ?? []).map((e) => e.resource.id);

/** The summary of one import of IMPORT_FILES: counts, reasons by count, examples, the final progress line. */
export function checkSummary(t: Test, run: CommandRun): void {
  t.equal(run.code, 1, 'some entries failed');
  t.same(summaryCounts(run.stdout), { imported: EXPECTED.imported, failed: EXPECTED.failed });
  const reasons = reasonLines(run.stdout);
  t.equal(reasons[0], EXPECTED.mostFrequentReason);
  t.same(reasons.slice(1).sort(), EXPECTED.otherReasons);
  for (const example of EXPECTED.examples) t.ok(run.stdout.includes(example), example);
  t.match(run.stderr, /\] 15\/15 resources {2}100%/, 'the progress line ends at the pre-scanned total');
  t.equal(Object.keys(IMPORT_FILES).length, 5);
}

/** What the server at `base` holds after one import of IMPORT_FILES. */
export async function checkImported(t: Test, base: string): Promise<void> {
  const fhir = client(base);
  const kept = await fhir.get('/Patient?_id=imp-p1,imp-p2,imp-p3&_sort=_id');
  t.same(ids(kept.body), ['imp-p1', 'imp-p2', 'imp-p3'], 'NDJSON ids are kept');
  t.same(ids((await fhir.get('/Observation?subject=Patient/imp-p1&_sort=_id')).body), ['imp-o1', 'imp-o2']);
  t.equal((await fhir.get('/Patient?family=Безидов')).body.total, 1, 'a line without an id is created');
  t.equal((await fhir.get('/Patient?family=Пакетов')).body.total, 1, 'the good entry of the batch is written');
  t.equal((await fhir.get('/Patient/imp-a')).status, 404, 'the failed entry of the batch is not');
  t.equal((await fhir.get('/Patient?family=Откатов')).body.total, 0, 'the failed transaction wrote nothing');
  const [transactionPatient] = (await fhir.get('/Patient?family=Транзакциев')).body.entry;
  const transactionObservations = await fhir.get(`/Observation?subject=Patient/${transactionPatient.resource.id}`);
  t.equal(transactionObservations.body.total, 1, 'the urn:uuid reference now points at the created Patient');
  t.equal((await fhir.get(`/Organization?identifier=${EXPECTED.organizationIdentifier}`)).body.total, 1);
}
