/**
 * The example scripts of examples/ (one per kind of user) against a real server with
 * authentication on and the EGISZ profiles enforced, each with a token shaped like its
 * development role (src/auth/dev-tokens/roles.ts): the lab posts results, the clinic finds them,
 * the cabinet subscribes to them, the auditor reads who did what. The lab's script also runs
 * as a command, the way its README says.
 */
import { execFile } from 'node:child_process';
import type { Bundle, DiagnosticReport, Subscription } from 'fhir/r4.js';
import t from 'tap';
import { queryAudit } from '../../examples/auditor/query-audit.js';
import { findPatient } from '../../examples/clinic/find-patient.js';
import { labOrganization } from '../../examples/lab-system/lab-organization.js';
import { postResults } from '../../examples/lab-system/post-results.js';
import { SAMPLE_PATIENT, SNILS } from '../../examples/lab-system/results-bundle.js';
import { finalReportsCriteria, subscribe } from '../../examples/patient-cabinet/subscribe.js';
import { DEV_ROLES, type DevRoleName } from '../../src/auth/dev-tokens/roles.js';
import { cabinetConsent } from '../support/cabinet-fixtures.js';
import { captureEndpoint } from '../support/capture-endpoint.js';
import { startServer } from '../support/server.js';
import { clientWithToken, testIssuer } from '../support/test-tokens.js';

const PROJECT = new URL('../..', import.meta.url).pathname;
const ORGANIZATION = `Organization/${labOrganization().id}`;

const startedAt = new Date(Date.now() - 1000).toISOString();
const issuer = await testIssuer();
const server = await startServer({ auth: issuer.authSettings, profiles: 'egisz' });
const endpoint = await captureEndpoint();
t.teardown(async () => {
  await server.close();
  await endpoint.close();
  issuer.remove();
});

/** A token of a development role: its scopes, its client id as `npm run token -- mint` sets it, and its context claims. */
function roleToken(role: DevRoleName, claims: Record<string, string> = {}): Promise<string> {
  return issuer.token(DEV_ROLES[role].scope, { client_id: `dev-${role}`, sub: `dev-${role}`, ...claims });
}

const labToken = await roleToken('lab', { organization: ORGANIZATION });
const clinicToken = await roleToken('clinic', { organization: ORGANIZATION });
const auditorToken = await roleToken('auditor');
// the registry's own client registers the lab's Organization, as the examples README does with npm run import
const registrar = clientWithToken(server.base, await issuer.token('system/Organization.u system/Subscription.r'));
const clinic = clientWithToken(server.base, clinicToken);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node --import tsx examples/<script>` with FHIR_BASE, FHIR_TOKEN and `env`. */
function runScript(script: string, token: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const options = { cwd: PROJECT, env: { ...process.env, FHIR_BASE: server.base, FHIR_TOKEN: token, ...env } };
    execFile(process.execPath, ['--import', 'tsx', `examples/${script}`], options, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr });
    });
  });
}

const registered = await registrar.put(ORGANIZATION, labOrganization());
if (registered.status !== 201) throw new Error(`registering ${ORGANIZATION}: ${registered.status} ${registered.text}`);

const firstPost = await postResults(server.base, labToken);
const patientId = firstPost.patient.reference.replace('Patient/', '');

t.test('the lab transaction creates the patient and the results, and matches the registered Organization', async (t) => {
  t.match(firstPost.organization, { reference: ORGANIZATION, status: /^200/, created: false });
  t.match(firstPost.patient, { reference: /^Patient\/[A-Za-z0-9.-]+$/, status: /^201/, created: true });
  t.equal(firstPost.observations.length, 2);
  t.ok([...firstPost.observations, firstPost.report].every((entry) => entry.created), 'the Observations and the report are new');

  const lab = clientWithToken(server.base, labToken);
  const report = (await lab.get(firstPost.report.reference)).body as DiagnosticReport;
  t.equal(report.status, 'final');
  t.same(report.subject, { reference: firstPost.patient.reference }, 'urn:uuid references became the ids the server gave');
  t.same(report.performer, [{ reference: ORGANIZATION }]);
  t.same(report.result?.map((result) => result.reference), firstPost.observations.map((observation) => observation.reference));
  const patient = (await lab.get(firstPost.patient.reference)).body;
  t.same(patient.identifier, [{ system: SNILS, value: SAMPLE_PATIENT.snils }]);
  t.same(patient.managingOrganization, { reference: ORGANIZATION });
});

t.test('run again as a command, the lab script finds the patient instead of creating another', async (t) => {
  const run = await runScript('lab-system/post-results.ts', labToken, { SNILS: '123-456-789 64' });
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, new RegExp(`Patient/${patientId}\\s+200 OK\\s+the patient with SNILS ${SAMPLE_PATIENT.snils}, already known`));
  t.match(run.stdout, /DiagnosticReport\/\S+\s+201 Created\s+the final DiagnosticReport over 2 Observations/);
  const matches = (await clinic.get(`/Patient?identifier=${SNILS}|${SAMPLE_PATIENT.snils}`)).body as Bundle;
  t.equal(matches.total, 1, 'one Patient with the SNILS');
});

t.test("the clinic finds the patient by SNILS and the patient's final reports with their results", async (t) => {
  const found = await findPatient(server.base, clinicToken, SAMPLE_PATIENT.snils);
  t.equal(found.patient?.id, patientId);
  t.equal(found.reports.length, 2, 'the reports of both lab runs');
  const first = found.reports.find(({ report }) => `DiagnosticReport/${report.id}` === firstPost.report.reference);
  t.ok(first, 'the first run report is among them');
  t.same(first?.results.map((observation) => `Observation/${observation.id}`), firstPost.observations.map((observation) => observation.reference), 'its results came included');
  t.same(first?.results.map((observation) => observation.valueQuantity?.value), [128, 11.2]);

  t.same(await findPatient(server.base, clinicToken, '11223344595'), { reports: [] }, 'an unknown SNILS finds nothing');
});

t.test('a clinic command with a malformed SNILS is a usage error, a token without the scopes a one-line refusal', async (t) => {
  const malformed = await runScript('clinic/find-patient.ts', clinicToken, { SNILS: '12345678900' });
  t.equal(malformed.code, 2);
  t.match(malformed.stderr, 'find-patient: SNILS "12345678900" is not 11 digits with a valid check number');
  const refused = await runScript('lab-system/post-results.ts', auditorToken);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /^post-results: the server answered HTTP 403: .*create on Organization needs a scope/);
});

t.test("the cabinet's subscription is active and the next final report reaches its endpoint", async (t) => {
  const cabinetToken = await roleToken('cabinet', { patient: patientId });
  const subscription = await subscribe(server.base, cabinetToken, patientId, endpoint.url);
  t.equal(subscription.status, 'active');
  const stored = (await registrar.get(`/Subscription/${subscription.id}`)).body as Subscription;
  t.equal(stored.status, 'active');
  t.equal(stored.criteria, finalReportsCriteria(patientId));
  t.equal(stored.channel.endpoint, endpoint.url);

  const consent = await clinic.post('/Consent', cabinetConsent(patientId, ['DiagnosticReport'], { organization: [{ reference: ORGANIZATION }] }));
  t.equal(consent.status, 201, 'the clinic records the patient\'s consent to share results');
  const thirdPost = await postResults(server.base, labToken);
  const [notification] = await endpoint.waitFor(1);
  const delivered = notification?.bundle.entry?.map((entry) => entry.fullUrl ?? '') ?? [];
  t.ok(delivered.some((url) => url.endsWith(thirdPost.report.reference)), `${thirdPost.report.reference} delivered`);
});

t.test("the auditor pages through the patient's audit trail and sees the lab's create", async (t) => {
  const audit = await queryAudit(server.base, auditorToken, { patientId, since: startedAt, pageSize: 2 });
  t.ok(audit.pages > 1, `${audit.pages} pages of 2`);
  t.equal(audit.actions.length, new Set(audit.actions.map((action) => JSON.stringify(action))).size, 'no event twice across pages');
  const patientCreate = audit.actions.find((action) => action.target === `${firstPost.patient.reference}/_history/1`);
  t.same(patientCreate, { recorded: patientCreate?.recorded, who: 'dev-lab', what: 'create', target: `${firstPost.patient.reference}/_history/1`, outcome: '0' }, 'the lab created the patient');
  const labCreates = audit.actions.filter((action) => action.who === 'dev-lab' && action.what === 'create').map((action) => action.target?.split('/_history')[0]);
  t.ok([firstPost.report.reference, ...firstPost.observations.map((observation) => observation.reference)].every((reference) => labCreates.includes(reference)), 'and its report and Observations');
  t.ok(audit.actions.every((action, i) => i === 0 || audit.actions[i - 1]!.recorded <= action.recorded), 'oldest first');
});

t.test("the auditor also sees the clinic's search of the patient's reports, with its query", async (t) => {
  // reads and searches are stored by the audit worker in batches, a moment after they are answered
  const deadline = Date.now() + 10_000;
  let searches: string[] = [];
  while (searches.length === 0 && Date.now() < deadline) {
    const { actions } = await queryAudit(server.base, auditorToken, { patientId, since: startedAt });
    searches = actions.filter((action) => action.who === 'dev-clinic' && action.what === 'search-type').map((action) => action.target ?? '');
    if (searches.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  t.ok(searches.includes(`?patient=Patient/${patientId}&status=final&_include=DiagnosticReport:result&_sort=-issued`), searches.join(', '));
});
