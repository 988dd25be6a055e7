import type { Resource, Subscription } from 'fhir/r4.js';
import { definitionOf } from './subscription-definition.js';
import { SUBSCRIPTION_TYPE } from './subscription-registry.js';

/**
 * A Subscription as the server stores it: usable (criteria, channel) or refused with 422, and
 * `requested` turned `active`, the status the server owns once it accepts the subscription.
 */
export function preparedSubscription(resource: Resource): Resource {
  if (resource.resourceType !== SUBSCRIPTION_TYPE) return resource;
  const subscription = resource as Subscription;
  definitionOf({ ...subscription, id: subscription.id ?? 'new' });
  return subscription.status === 'requested' ? ({ ...subscription, status: 'active' } as Subscription) : subscription;
}
