/**
 * GET [base]/Subscription/[id]/$status: the SubscriptionStatus of the Subscriptions Backport IG
 * (type query-status, status, events since start), with how many events are pending, delivered,
 * blocked and failed, the error the subscription is in, and its latest deliveries.
 */
import type { Parameters, Subscription } from 'fhir/r4.js';
import { FhirError } from '../fhir/errors.js';
import { assertValidId } from '../fhir/ids.js';
import { resourceOf } from '../services/stored-document.js';
import { SUBSCRIPTION_STATUS_PROFILE } from '../services/subscriptions/notification-bundle.js';
import { OUTBOX_COLLECTION, type OutboxItem, type OutboxStatus, STATE_COLLECTION, type SubscriptionState } from '../services/subscriptions/outbox.js';
import type { FhirRequest, FhirResponse } from '../http/fhir-request.js';
import type { ServerContext } from '../http/server-context.js';
import { deliveryPart } from './delivery-status.js';

const LATEST = 20;
const STATUSES: OutboxStatus[] = ['pending', 'delivered', 'blocked', 'failed'];

export async function subscriptionStatus(request: FhirRequest, context: ServerContext): Promise<FhirResponse> {
  if (request.type !== 'Subscription') throw new FhirError('FHIR_ERR_TYPE_OPERATION_UNKNOWN', ['$status', request.type!.slice(0, 64)]);
  assertValidId(request.id!);
  const subscription = resourceOf(await context.repository.read('Subscription', request.id!)) as Subscription;
  const state = await context.store.collection<SubscriptionState>(STATE_COLLECTION).findOne({ _id: request.id! });
  const outbox = context.store.collection<OutboxItem>(OUTBOX_COLLECTION);
  const counts = await Promise.all(STATUSES.map((status) => outbox.countDocuments({ subscription: request.id!, status })));
  const latest = await outbox.find({ subscription: request.id! }, { sort: { createdAt: -1 }, limit: LATEST }).toArray();
  const body: Parameters = {
    resourceType: 'Parameters',
    meta: { profile: [SUBSCRIPTION_STATUS_PROFILE] },
    parameter: [
      { name: 'subscription', valueReference: { reference: `Subscription/${request.id}` } },
      { name: 'status', valueCode: subscription.status },
      { name: 'type', valueCode: 'query-status' },
      { name: 'events-since-subscription-start', valueString: String(state?.eventCount ?? 0) },
      ...(subscription.error ? [{ name: 'error', valueString: subscription.error }] : []),
      ...STATUSES.map((status, i) => ({ name: status, valueInteger: counts[i]! })),
      ...latest.map(deliveryPart),
    ],
  };
  return { status: 200, body };
}
