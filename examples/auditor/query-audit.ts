/**
 * An auditor reading the audit log about one patient since a date with fhir-kit-client, page by
 * page along the next links, and saying who did what.
 *
 *   FHIR_BASE=http://localhost:8080/fhir FHIR_TOKEN=<auditor token> PATIENT_ID=<id> SINCE=2026-05-01 \
 *     node --import tsx examples/auditor/query-audit.ts
 */
import type { AuditEvent, Bundle } from 'fhir/r4.js';
import { asResource, connect, resourcesOf, searchPages } from '../shared/fhir-connection.js';
import { UsageError, requiredEnv, runWhenDirect } from '../shared/script-entry.js';

export interface AuditQuery {
  patientId: string;
  /** A FHIR date or dateTime: events recorded at or after it. */
  since: string;
  /** Events per page. */
  pageSize?: number;
}

export interface AuditedAction {
  recorded: string;
  /** The requesting agent: the user when the token named one, else the client id. */
  who: string;
  /** The RESTful interaction: create, read, search-type... */
  what: string;
  /** The resource it touched (`Type/id/_history/n`), or the query of a search (`?patient=...`). */
  target?: string;
  /** audit-event-outcome: 0 success, 4 the client's failure, 8 the server's. */
  outcome: string;
}

export interface AuditReport {
  actions: AuditedAction[];
  pages: number;
}

/** object-role codes of AuditEvent.entity: the resource an interaction touched, the query of a search. */
const DOMAIN_RESOURCE_ROLE = '4';
const QUERY_ROLE = '24';

/** The query as a person reads it: `patient=Patient/123`, not `patient=Patient%2F123`. */
function readableQuery(base64: string): string {
  const query = Buffer.from(base64, 'base64').toString('utf8');
  try {
    return decodeURIComponent(query.replace(/\+/g, ' '));
  } catch {
    return query;
  }
}

function targetOf(event: AuditEvent): string | undefined {
  const entityIn = (role: string) => event.entity?.find((entity) => entity.role?.code === role);
  const query = entityIn(QUERY_ROLE)?.query;
  return entityIn(DOMAIN_RESOURCE_ROLE)?.what?.reference ?? (query === undefined ? undefined : `?${readableQuery(query)}`);
}

function actionOf(event: AuditEvent): AuditedAction {
  const requestor = event.agent.find((agent) => agent.requestor) ?? event.agent[0];
  const target = targetOf(event);
  return {
    recorded: event.recorded,
    who: requestor?.who?.identifier?.value ?? requestor?.who?.display ?? 'unknown',
    what: event.subtype?.[0]?.code ?? event.action ?? '?',
    ...(target ? { target } : {}),
    outcome: event.outcome ?? '?',
  };
}

/** Every AuditEvent about the patient since `since`, oldest first, following the next links. */
export async function queryAudit(baseUrl: string, token: string, { patientId, since, pageSize = 50 }: AuditQuery): Promise<AuditReport> {
  const client = connect(baseUrl, token);
  const searchParams = { patient: `Patient/${patientId}`, date: `ge${since}`, _sort: 'date', _count: pageSize };
  const first = asResource<Bundle>(await client.search({ resourceType: 'AuditEvent', searchParams }));
  const report: AuditReport = { actions: [], pages: 0 };
  for await (const page of searchPages(client, first)) {
    report.pages += 1;
    report.actions.push(...resourcesOf<AuditEvent>(page, 'AuditEvent', 'match').map(actionOf));
  }
  return report;
}

export function describeAudit(report: AuditReport, query: AuditQuery): string {
  const outcome = (code: string) => (code === '0' ? 'ok' : `failed (${code})`);
  return [
    `${report.actions.length} audited action(s) about Patient/${query.patientId} since ${query.since}, in ${report.pages} page(s):`,
    ...report.actions.map((action) => `  ${action.recorded}  ${action.who.padEnd(16)} ${action.what.padEnd(12)} ${(action.target ?? '').padEnd(56)} ${outcome(action.outcome)}`),
    '',
  ].join('\n');
}

const USAGE = `Usage: FHIR_BASE=<base> FHIR_TOKEN=<auditor token> PATIENT_ID=<id> SINCE=<date> [PAGE_SIZE=<n>] node --import tsx examples/auditor/query-audit.ts

Lists who did what to the patient's data since SINCE (a date such as 2026-05-01, or a dateTime),
reading the audit log page by page (an auditor token: npm run token -- mint --role auditor).`;

function pageSizeOf(raw: string | undefined): number | undefined {
  if (!raw) return undefined;
  if (!/^[1-9]\d{0,3}$/.test(raw)) throw new UsageError(`PAGE_SIZE must be a whole number from 1 to 9999, got "${raw}"`);
  return Number(raw);
}

await runWhenDirect(import.meta.url, 'query-audit', USAGE, async ({ baseUrl, token }) => {
  const query = {
    patientId: requiredEnv('PATIENT_ID', 'the id of the patient whose audit trail to read'),
    since: requiredEnv('SINCE', 'the earliest date, e.g. 2026-05-01'),
    pageSize: pageSizeOf(process.env.PAGE_SIZE),
  };
  return describeAudit(await queryAudit(baseUrl, token, query), query);
});
