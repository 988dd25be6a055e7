/**
 * A lab system (ЛИС) posting one complete blood count as a transaction Bundle with fhir-kit-client.
 *
 *   FHIR_BASE=http://localhost:8080/fhir FHIR_TOKEN=<lab token> SNILS=12345678964 \
 *     node --import tsx examples/lab-system/post-results.ts
 */
import type { Bundle, BundleEntry } from 'fhir/r4.js';
import { asResource, connect, requestBody } from '../shared/fhir-connection.js';
import { runWhenDirect } from '../shared/script-entry.js';
import { snilsInput } from '../shared/snils-input.js';
import { labOrganization } from './lab-organization.js';
import { type LabPatient, type ResultsTimes, SAMPLE_PATIENT, resultsBundle } from './results-bundle.js';

/** What one entry of the transaction did. */
export interface PostedEntry {
  /** `Type/id` of the resource written or matched. */
  reference: string;
  /** The entry's response status, e.g. `201 Created`. */
  status: string;
  created: boolean;
}

export interface PostedResults {
  organization: PostedEntry;
  patient: PostedEntry;
  observations: PostedEntry[];
  report: PostedEntry;
}

const HOUR_MS = 3_600_000;

/** A created resource's reference is in its location; a matched one (200, no location) comes back whole. */
function postedEntry(entry: BundleEntry | undefined): PostedEntry {
  const status = entry?.response?.status ?? '';
  const located = entry?.response?.location?.replace(/\/_history\/.*$/, '');
  const returned = entry?.resource ? `${entry.resource.resourceType}/${entry.resource.id}` : '';
  return { reference: located ?? returned, status, created: status.startsWith('201') };
}

/** Posts the results of `patient` (sampled an hour ago, confirmed now) as the lab of the token. */
export async function postResults(baseUrl: string, token: string, patient: LabPatient = SAMPLE_PATIENT, times?: ResultsTimes): Promise<PostedResults> {
  const now = Date.now();
  const bundle = resultsBundle(patient, labOrganization(), times ?? { collected: new Date(now - HOUR_MS), issued: new Date(now) });
  const answer = asResource<Bundle>(await connect(baseUrl, token).transaction({ body: requestBody(bundle) }));
  const [organization, posted, ...rest] = (answer.entry ?? []).map(postedEntry);
  return { organization: organization!, patient: posted!, observations: rest.slice(0, -1), report: rest.at(-1)! };
}

function line(entry: PostedEntry, what: string): string {
  return `  ${entry.reference.padEnd(48)} ${entry.status.padEnd(12)} ${what}`;
}

export function describePosted(posted: PostedResults, snils: string): string {
  return [
    'Posted the transaction; the server answered:',
    line(posted.organization, posted.organization.created ? 'the lab organization, created' : 'the lab organization, matched by its ФРМО identifier'),
    line(posted.patient, posted.patient.created ? `a new patient with SNILS ${snils}` : `the patient with SNILS ${snils}, already known`),
    ...posted.observations.map((observation) => line(observation, 'a final Observation')),
    line(posted.report, `the final DiagnosticReport over ${posted.observations.length} Observations`),
    '',
  ].join('\n');
}

const USAGE = `Usage: FHIR_BASE=<base> FHIR_TOKEN=<lab token> [SNILS=<patient SNILS>] node --import tsx examples/lab-system/post-results.ts

Posts a complete blood count of the patient with that SNILS (default the sample ${SAMPLE_PATIENT.snils}) as the
lab of the token (npm run token -- mint --role lab --organization hospital1; the Organization must be
registered first: npm run import -- --data-dir ./data examples/lab-system/organization.ndjson).`;

await runWhenDirect(import.meta.url, 'post-results', USAGE, async ({ baseUrl, token }) => {
  const patient = { ...SAMPLE_PATIENT, snils: snilsInput(process.env.SNILS || SAMPLE_PATIENT.snils) };
  return describePosted(await postResults(baseUrl, token, patient), patient.snils);
});
