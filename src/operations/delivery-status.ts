/**
 * "Why did my result not arrive?": GET [base]/[type]/[id]/$delivery-status answers, for every
 * version of the resource that matched a subscription, which subscription, the event number, whether
 * it was delivered, is still pending, was blocked (and why: no active consent, not final, subscription
 * off) or failed, and every delivery attempt with its time, HTTP status and error.
 */
import type { Parameters, ParametersParameter } from 'fhir/r4.js';
import { assertValidId } from '../fhir/ids.js';
import { OUTBOX_COLLECTION, type OutboxItem } from '../services/subscriptions/outbox.js';
import type { FhirRequest, FhirResponse } from '../http/fhir-request.js';
import type { ServerContext } from '../http/server-context.js';

function attemptPart(attempt: OutboxItem['attempts'][number]): ParametersParameter {
  return {
    name: 'attempt',
    part: [
      { name: 'time', valueInstant: attempt.at.toISOString() },
      ...(attempt.httpStatus !== undefined ? [{ name: 'httpStatus', valueInteger: attempt.httpStatus }] : []),
      ...(attempt.error ? [{ name: 'error', valueString: attempt.error }] : []),
      { name: 'durationMs', valueInteger: attempt.durationMs },
    ],
  };
}

export function deliveryPart(item: OutboxItem): ParametersParameter {
  return {
    name: 'delivery',
    part: [
      { name: 'subscription', valueReference: { reference: `Subscription/${item.subscription}` } },
      { name: 'focus', valueReference: { reference: `${item.focus}/_history/${item.versionId}` } },
      ...(item.eventNumber > 0 ? [{ name: 'eventNumber', valueInteger: item.eventNumber }] : []),
      { name: 'status', valueCode: item.status },
      ...(item.reason ? [{ name: 'reason', valueCode: item.reason }] : []),
      ...(item.detail ? [{ name: 'detail', valueString: item.detail }] : []),
      { name: 'matched', valueInstant: item.createdAt.toISOString() },
      ...(item.deliveredAt ? [{ name: 'delivered', valueInstant: item.deliveredAt.toISOString() }] : []),
      ...(item.status === 'pending' ? [{ name: 'nextAttempt', valueInstant: item.nextAttemptAt.toISOString() }] : []),
      ...item.attempts.map(attemptPart),
    ],
  };
}

export async function deliveryStatus(request: FhirRequest, context: ServerContext): Promise<FhirResponse> {
  assertValidId(request.id!);
  await context.repository.read(request.type!, request.id!);
  const items = await context.store.collection<OutboxItem>(OUTBOX_COLLECTION).find({ focus: `${request.type}/${request.id}` }).toArray();
  items.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a._id.localeCompare(b._id));
  const body: Parameters = {
    resourceType: 'Parameters',
    parameter: [{ name: 'matched', valueInteger: items.length }, ...items.map(deliveryPart)],
  };
  return { status: 200, body };
}
