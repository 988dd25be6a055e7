/**
 * The AuditEvent of one delivery attempt of a subscription notification: the server exported
 * data to an endpoint. DICOM's Export event (110106) as type and the channel as subtype, this
 * server as the requesting source and the endpoint as the destination (its URL as the network
 * address), and the Subscription, each resource version sent and its patient as entities. The
 * outcome is the endpoint's: 0 when it took the notification, 4 when it refused it (4xx), 8 when
 * it failed or did not answer.
 */
import type { AuditEvent, AuditEventEntity, Coding } from 'fhir/r4.js';
import { APPLICATION_SERVER, DCM, DOMAIN_RESOURCE_ROLE, OBJECT_ROLE, PATIENT_ROLE, PERSON, SOURCE_ROLE, SYSTEM_OBJECT } from './audit-codes.js';
import type { AuditObserver, AuditRecord, NotificationSent } from './audit-event.js';

const EXPORT: Coding = { system: DCM, code: '110106', display: 'Export' };
const REST_HOOK: Coding = { system: 'http://terminology.hl7.org/CodeSystem/subscription-channel-type', code: 'rest-hook', display: 'Rest Hook' };
const DESTINATION_ROLE: Coding = { system: DCM, code: '110152', display: 'Destination Role ID' };
const SUBSCRIBER_ROLE: Coding = { system: OBJECT_ROLE, code: '9', display: 'Subscriber' };
/** AuditEvent.agent.network.type: 5 is a URI. */
const URI = '5';

function outcome(status: number): '0' | '4' | '8' {
  if (status >= 200 && status < 300) return '0';
  return status >= 400 && status < 500 ? '4' : '8';
}

function entities(sent: NotificationSent, patient: string | undefined): AuditEventEntity[] {
  return [
    { what: { reference: `Subscription/${sent.subscription}` }, type: SYSTEM_OBJECT, role: SUBSCRIBER_ROLE },
    ...sent.focus.map((reference) => ({ what: { reference }, type: SYSTEM_OBJECT, role: DOMAIN_RESOURCE_ROLE })),
    ...(patient ? [{ what: { reference: `Patient/${patient}` }, type: PERSON, role: PATIENT_ROLE }] : []),
  ];
}

export function notificationAuditEvent(record: AuditRecord, sent: NotificationSent, observer: AuditObserver): AuditEvent {
  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    type: EXPORT,
    subtype: [REST_HOOK],
    action: record.action,
    recorded: record.recorded.toISOString(),
    outcome: outcome(record.outcome.status),
    agent: [
      { type: { coding: [SOURCE_ROLE] }, who: { display: observer.display }, requestor: true },
      { type: { coding: [DESTINATION_ROLE] }, who: { display: sent.endpoint }, requestor: false, network: { address: sent.endpoint, type: URI } },
    ],
    source: { ...(observer.site ? { site: observer.site } : {}), observer: { display: observer.display }, type: [APPLICATION_SERVER] },
    entity: entities(sent, record.patient),
  };
  if (record.outcome.text) event.outcomeDesc = record.outcome.text;
  return event;
}
