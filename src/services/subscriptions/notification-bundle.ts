/**
 * Notification Bundles in the shape of the R4 Subscriptions Backport IG: a `history` Bundle whose
 * first entry is the SubscriptionStatus (a Parameters resource in R4) naming the subscription, the
 * notification type and the event number, followed by the focus resource of each event (the whole
 * resource for full-resource payloads, its URL only for id-only).
 */
import type { Bundle, BundleEntry, FhirResource, Parameters, ParametersParameter } from 'fhir/r4.js';

export const SUBSCRIPTION_STATUS_PROFILE = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4';

export type NotificationType = 'handshake' | 'heartbeat' | 'event-notification';
export type PayloadContent = 'id-only' | 'full-resource';

export interface NotificationEvent {
  eventNumber: number;
  timestamp: Date;
  /** `DiagnosticReport/123/_history/2` style: type, id and version of what the event is about. */
  focus: { type: string; id: string; versionId: number };
  /** The resource, for full-resource payloads. */
  resource?: FhirResource;
}

export interface Notification {
  baseUrl: string;
  subscriptionId: string;
  status: string;
  type: NotificationType;
  /** The subscription's event count when the notification was made. */
  eventsSinceSubscriptionStart: number;
  events: NotificationEvent[];
  payload: PayloadContent;
  timestamp?: Date;
}

function eventParameter(event: NotificationEvent): ParametersParameter {
  return {
    name: 'notification-event',
    part: [
      { name: 'event-number', valueString: String(event.eventNumber) },
      { name: 'timestamp', valueInstant: event.timestamp.toISOString() },
      { name: 'focus', valueReference: { reference: `${event.focus.type}/${event.focus.id}` } },
    ],
  };
}

function statusResource(notification: Notification): Parameters {
  return {
    resourceType: 'Parameters',
    meta: { profile: [SUBSCRIPTION_STATUS_PROFILE] },
    parameter: [
      { name: 'subscription', valueReference: { reference: `${notification.baseUrl}/Subscription/${notification.subscriptionId}` } },
      { name: 'status', valueCode: notification.status },
      { name: 'type', valueCode: notification.type },
      { name: 'events-since-subscription-start', valueString: String(notification.eventsSinceSubscriptionStart) },
      ...notification.events.map(eventParameter),
    ],
  };
}

function focusEntry(baseUrl: string, event: NotificationEvent, payload: PayloadContent): BundleEntry {
  const { type, id, versionId } = event.focus;
  const entry: BundleEntry = { fullUrl: `${baseUrl}/${type}/${id}` };
  if (payload === 'full-resource' && event.resource) entry.resource = event.resource;
  entry.request = { method: versionId === 1 ? 'POST' : 'PUT', url: versionId === 1 ? type : `${type}/${id}` };
  entry.response = { status: versionId === 1 ? '201' : '200' };
  return entry;
}

export function notificationBundle(notification: Notification): Bundle {
  const status: BundleEntry = {
    fullUrl: `urn:uuid:${crypto.randomUUID()}`,
    resource: statusResource(notification),
    request: { method: 'GET', url: `Subscription/${notification.subscriptionId}/$status` },
    response: { status: '200' },
  };
  return {
    resourceType: 'Bundle',
    type: 'history',
    timestamp: (notification.timestamp ?? new Date()).toISOString(),
    entry: [status, ...notification.events.map((event) => focusEntry(notification.baseUrl, event, notification.payload))],
  };
}
