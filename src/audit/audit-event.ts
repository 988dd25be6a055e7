/**
 * The AuditEvent of one RESTful interaction, in the shape of IHE Basic Audit Log Patterns (BALP):
 * type `rest`, the interaction as subtype, the client (and its user, when known) as agents, this
 * server as the observer, and what was touched (the resource version, the query, the patient)
 * as entities. A notification the server sent is audited as an export (notification-audit-event.ts).
 */
import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from 'fhir/r4.js';
import {
  APPLICATION_SERVER, DOMAIN_RESOURCE_ROLE, INFORMATION_RECIPIENT, PATIENT_ROLE, PERSON, QUERY_ROLE, REST, SOURCE_ROLE, SYSTEM_OBJECT, X_REQUEST_ID,
} from './audit-codes.js';
import { notificationAuditEvent } from './notification-audit-event.js';

export type RestfulInteraction =
  | 'read' | 'vread' | 'update' | 'patch' | 'delete'
  | 'history' | 'history-instance' | 'history-type' | 'history-system'
  | 'create' | 'search' | 'search-type' | 'search-system'
  | 'capabilities' | 'transaction' | 'batch' | 'operation';

/** Create, Read, Update, Delete, Execute (an operation, a transaction, a batch). */
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';

export interface AuditRecord {
  interaction: RestfulInteraction;
  action: AuditAction;
  recorded: Date;
  /** `text` is the error message the client was told, never a request or response body. */
  outcome: { status: number; text?: string };
  client?: { clientId: string; subject?: string };
  /** The client's network address (an IP address). */
  address?: string;
  /** The X-Request-Id of the request. */
  requestId?: string;
  resource?: { type: string; id?: string; versionId?: number | string };
  /** The query string of a search, as the client sent it. */
  query?: string;
  /** The id of the patient the interaction concerns. */
  patient?: string;
  /** Set for a notification this server sent (a delivery attempt), not a request it answered. */
  notification?: NotificationSent;
}

export interface NotificationSent {
  endpoint: string;
  subscription: string;
  /** The resource versions the notification was about (`DiagnosticReport/1/_history/2`). */
  focus: string[];
}

/** This server as the observer that records the event. */
export interface AuditObserver {
  display: string;
  site?: string;
}

export const THIS_SERVER: AuditObserver = { display: 'EGISZ FHIR Server' };

/** AuditEvent.agent.network.type: 2 is an IP address. */
const IP_ADDRESS = '2';

/** audit-event-outcome: 0 success, 4 minor failure (the client's: 4xx), 8 serious failure (the server's: 5xx). */
export function outcomeOf(status: number): '0' | '4' | '8' {
  if (status >= 500) return '8';
  if (status >= 400) return '4';
  return '0';
}

export function auditEventOf(record: AuditRecord, observer: AuditObserver = THIS_SERVER): AuditEvent {
  if (record.notification) return notificationAuditEvent(record, record.notification, observer);
  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    type: REST,
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: record.interaction, display: record.interaction }],
    action: record.action,
    recorded: record.recorded.toISOString(),
    outcome: outcomeOf(record.outcome.status),
    agent: agentsOf(record),
    source: { ...(observer.site ? { site: observer.site } : {}), observer: { display: observer.display }, type: [APPLICATION_SERVER] },
  };
  if (record.outcome.text) event.outcomeDesc = record.outcome.text;
  const entities = entitiesOf(record);
  if (entities.length > 0) event.entity = entities;
  return event;
}

/**
 * The client application, and its user when the request names one. Only one agent is the
 * requestor: the user when known, otherwise the client.
 */
function agentsOf({ client, address }: AuditRecord): AuditEventAgent[] {
  const subject = client?.subject;
  const application: AuditEventAgent = {
    type: { coding: [SOURCE_ROLE] },
    ...(client ? { who: { identifier: { value: client.clientId } } } : {}),
    requestor: !subject,
    ...(address ? { network: { address, type: IP_ADDRESS } } : {}),
  };
  if (!subject) return [application];
  return [application, { type: { coding: [INFORMATION_RECIPIENT] }, who: { identifier: { value: subject } }, requestor: true }];
}

function entitiesOf({ resource, query, patient, requestId }: AuditRecord): AuditEventEntity[] {
  const entities: AuditEventEntity[] = [];
  if (resource?.id) entities.push({ what: { reference: resourceReference(resource) }, type: SYSTEM_OBJECT, role: DOMAIN_RESOURCE_ROLE });
  if (query !== undefined) {
    entities.push({ type: SYSTEM_OBJECT, role: QUERY_ROLE, query: Buffer.from(query, 'utf8').toString('base64') });
  }
  if (patient) entities.push({ what: { reference: `Patient/${patient}` }, type: PERSON, role: PATIENT_ROLE });
  if (requestId) entities.push({ what: { identifier: { value: requestId } }, type: X_REQUEST_ID });
  return entities;
}

function resourceReference({ type, id, versionId }: NonNullable<AuditRecord['resource']>): string {
  return versionId === undefined ? `${type}/${id}` : `${type}/${id}/_history/${versionId}`;
}
