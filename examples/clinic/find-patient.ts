/**
 * A clinic EHR (МИС) finding a patient by SNILS and listing the patient's final lab reports with
 * their results, with fhir-kit-client.
 *
 *   FHIR_BASE=http://localhost:8080/fhir FHIR_TOKEN=<clinic token> SNILS=12345678964 \
 *     node --import tsx examples/clinic/find-patient.ts
 */
import type { Bundle, DiagnosticReport, Observation, Patient } from 'fhir/r4.js';
import { asResource, connect, resourcesOf, searchPages } from '../shared/fhir-connection.js';
import { requiredEnv, runWhenDirect } from '../shared/script-entry.js';
import { snilsInput } from '../shared/snils-input.js';

const SNILS = 'urn:oid:1.2.643.100.3';

export interface ReportWithResults {
  report: DiagnosticReport;
  /** The Observations the report's `result` refers to, as the search included them. */
  results: Observation[];
}

export interface FoundPatient {
  /** Undefined when no Patient with the SNILS is visible to the token. */
  patient?: Patient;
  reports: ReportWithResults[];
}

function resultsOf(report: DiagnosticReport, included: Map<string, Observation>): Observation[] {
  return (report.result ?? []).flatMap((reference) => included.get(reference.reference ?? '') ?? []);
}

/** The patient's final DiagnosticReports, newest first, each with its included Observations; every page is read. */
async function finalReports(client: ReturnType<typeof connect>, patientId: string): Promise<ReportWithResults[]> {
  const searchParams = { patient: `Patient/${patientId}`, status: 'final', _include: 'DiagnosticReport:result', _sort: '-issued' };
  const first = asResource<Bundle>(await client.search({ resourceType: 'DiagnosticReport', searchParams }));
  const reports: DiagnosticReport[] = [];
  const included = new Map<string, Observation>();
  for await (const page of searchPages(client, first)) {
    reports.push(...resourcesOf<DiagnosticReport>(page, 'DiagnosticReport', 'match'));
    for (const observation of resourcesOf<Observation>(page, 'Observation', 'include')) included.set(`Observation/${observation.id}`, observation);
  }
  return reports.map((report) => ({ report, results: resultsOf(report, included) }));
}

/** `snils`: 11 digits. Several Patients with one SNILS is a data error the clinic has to sort out: it is refused. */
export async function findPatient(baseUrl: string, token: string, snils: string): Promise<FoundPatient> {
  const client = connect(baseUrl, token);
  const matches = asResource<Bundle>(await client.search({ resourceType: 'Patient', searchParams: { identifier: `${SNILS}|${snils}` } }));
  const patients = resourcesOf<Patient>(matches, 'Patient', 'match');
  if (patients.length > 1) throw new Error(`${patients.length} patients share SNILS ${snils}: ${patients.map((patient) => `Patient/${patient.id}`).join(', ')}`);
  const [patient] = patients;
  return patient ? { patient, reports: await finalReports(client, patient.id!) } : { reports: [] };
}

function nameOf(patient: Patient): string {
  const name = patient.name?.[0];
  return [name?.family, ...(name?.given ?? [])].filter(Boolean).join(' ') || '(no name)';
}

function valueOf(observation: Observation): string {
  const quantity = observation.valueQuantity;
  const value = quantity ? `${quantity.value} ${quantity.unit ?? quantity.code ?? ''}`.trim() : (observation.valueString ?? '—');
  const flag = observation.interpretation?.[0]?.coding?.[0]?.code;
  return flag && flag !== 'N' ? `${value} (${flag})` : value;
}

function reportLines({ report, results }: ReportWithResults): string[] {
  const title = report.code.text ?? report.code.coding?.[0]?.display ?? 'report';
  return [
    `  DiagnosticReport/${report.id}  ${report.issued ?? ''}  ${title}`,
    ...results.map((observation) => `    Observation/${observation.id}  ${observation.code.text ?? observation.code.coding?.[0]?.display}: ${valueOf(observation)}`),
  ];
}

export function describeFound(found: FoundPatient, snils: string): string {
  if (!found.patient) return `No patient with SNILS ${snils} is visible to this token.\n`;
  const { patient, reports } = found;
  return [
    `Patient/${patient.id}  ${nameOf(patient)}, born ${patient.birthDate ?? '?'}, SNILS ${snils}`,
    reports.length === 0 ? 'No final reports.' : `${reports.length} final report(s), newest first:`,
    ...reports.flatMap(reportLines),
    '',
  ].join('\n');
}

const USAGE = `Usage: FHIR_BASE=<base> FHIR_TOKEN=<clinic token> SNILS=<patient SNILS> node --import tsx examples/clinic/find-patient.ts

Finds the patient with that SNILS and lists the patient's final lab reports with their results
(a clinic token: npm run token -- mint --role clinic --organization hospital1).`;

await runWhenDirect(import.meta.url, 'find-patient', USAGE, async ({ baseUrl, token }) => {
  const snils = snilsInput(requiredEnv('SNILS', 'the SNILS of the patient to find'));
  return describeFound(await findPatient(baseUrl, token, snils), snils);
});
