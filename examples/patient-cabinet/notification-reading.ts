/**
 * Reads a notification Bundle (see src/services/subscriptions/notification-bundle.ts): the
 * SubscriptionStatus Parameters leading a `history` Bundle, and the focus of each event from the
 * entry that follows it in the same order. Anything else is a NotificationFormatError saying why.
 */
import type { Bundle, BundleEntry, FhirResource, ParametersParameter } from 'fhir/r4.js';
import type { NotificationType } from '../../src/services/subscriptions/notification-bundle.js';

export interface ReceivedEvent {
  eventNumber: number;
  timestamp?: string;
  /** `Observation/123`: what the event is about. */
  focus: string;
  /** The focus resource, for full-resource payloads; absent for id-only ones. */
  resource?: FhirResource;
}

export interface ReceivedNotification {
  /** The subscription's reference as the server wrote it. */
  subscription: string;
  status?: string;
  type: NotificationType;
  eventsSinceSubscriptionStart: number;
  events: ReceivedEvent[];
}

export class NotificationFormatError extends Error {
  override name = 'NotificationFormatError';
}

const NOTIFICATION_TYPES: readonly string[] = ['handshake', 'heartbeat', 'event-notification'];

function refuse(reason: string): never {
  throw new NotificationFormatError(reason);
}

function valueOf(parameter: ParametersParameter | undefined): string | undefined {
  if (!parameter) return undefined;
  const value = parameter.valueString ?? parameter.valueCode ?? parameter.valueInstant ?? parameter.valueReference?.reference;
  return value ?? (parameter.valueUnsignedInt ?? parameter.valueInteger)?.toString();
}

function partNamed(parameters: ParametersParameter[] | undefined, name: string): ParametersParameter | undefined {
  return parameters?.find((parameter) => parameter.name === name);
}

/** Event numbers and counts: R4 has no integer64, so the backport writes them as strings. */
function countOf(text: string | undefined, what: string): number {
  if (text === undefined || !/^\d{1,15}$/.test(text)) return refuse(`${what} is ${text === undefined ? 'missing' : `not a count: ${text.slice(0, 40)}`}`);
  return Number(text);
}

/** The entry answers the event when it names the same resource (by fullUrl or by the resource itself). */
function entryNames(entry: BundleEntry, focus: string): boolean {
  const resource = entry.resource;
  if (resource) return `${resource.resourceType}/${resource.id}` === focus;
  return entry.fullUrl === focus || (entry.fullUrl?.endsWith(`/${focus}`) ?? false);
}

function readEvent(group: ParametersParameter, entry: BundleEntry | undefined, index: number): ReceivedEvent {
  const where = `notification-event #${index + 1}`;
  const eventNumber = countOf(valueOf(partNamed(group.part, 'event-number')), `${where}: event-number`);
  if (eventNumber === 0) refuse(`${where}: event numbers start at 1`);
  const focus = valueOf(partNamed(group.part, 'focus')) ?? refuse(`${where}: focus is missing`);
  if (!entry) refuse(`${where}: no Bundle entry follows for ${focus}`);
  if (!entryNames(entry, focus)) refuse(`${where}: Bundle.entry[${index + 1}] is not ${focus}`);
  return { eventNumber, timestamp: valueOf(partNamed(group.part, 'timestamp')), focus, resource: entry.resource };
}

export function readNotification(bundle: Bundle): ReceivedNotification {
  if (bundle.type !== 'history') refuse(`a notification is a history Bundle, not ${String(bundle.type).slice(0, 40)}`);
  const [statusEntry, ...focusEntries] = bundle.entry ?? [];
  const status = statusEntry?.resource;
  if (status?.resourceType !== 'Parameters') refuse('the first entry is not the SubscriptionStatus Parameters');
  const subscription = valueOf(partNamed(status.parameter, 'subscription')) ?? refuse('SubscriptionStatus names no subscription');
  const type = valueOf(partNamed(status.parameter, 'type'));
  if (!type || !NOTIFICATION_TYPES.includes(type)) refuse(`notification type ${type === undefined ? 'is missing' : `${type.slice(0, 40)} is unknown`}`);
  const since = valueOf(partNamed(status.parameter, 'events-since-subscription-start'));
  const groups = (status.parameter ?? []).filter((parameter) => parameter.name === 'notification-event');
  return {
    subscription,
    status: valueOf(partNamed(status.parameter, 'status')),
    type: type as NotificationType,
    eventsSinceSubscriptionStart: since === undefined ? 0 : countOf(since, 'events-since-subscription-start'),
    events: groups.map((group, index) => readEvent(group, focusEntries[index], index)),
  };
}
