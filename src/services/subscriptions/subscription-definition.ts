/**
 * What the server needs from a Subscription resource (R4, rest-hook channel), checked once:
 * the criteria as a search of one type (the search API's own parser, so a subscription matches
 * exactly what that search would find), the endpoint, headers and payload, the heartbeat period
 * of the Subscriptions Backport IG, and whether delivery skips the consent gate.
 */
import type { Subscription } from 'fhir/r4.js';
import { FhirError } from '../../fhir/errors.js';
import { isResourceType } from '../../fhir/resource-types.js';
import { parseSearch, type SearchRequest } from '../../search/index.js';

export const HEARTBEAT_PERIOD_EXTENSION = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-heartbeat-period';
export const TIMEOUT_EXTENSION = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-timeout';
/** meta.tag marking a subscription that is not delivery to the patient cabinet (a treating clinic's own system). */
export const CONSENT_EXEMPT_TAG = { system: 'urn:egisz-fhir-server:subscription', code: 'consent-exempt' };

export interface SubscriptionDefinition {
  id: string;
  status: Subscription['status'];
  criteria: string;
  type: string;
  search: SearchRequest;
  endpoint: string;
  headers: [string, string][];
  payload: 'id-only' | 'full-resource';
  heartbeatSeconds?: number;
  timeoutSeconds?: number;
  consentExempt: boolean;
}

function invalid(reason: string): FhirError {
  return new FhirError('FHIR_ERR_SUBSCRIPTION_INVALID', [reason], ['Subscription']);
}

function criteriaSearch(criteria: string | undefined): { type: string; search: SearchRequest } {
  if (!criteria) throw invalid('criteria is missing');
  const [type, query = ''] = criteria.split('?', 2) as [string, string?];
  if (!isResourceType(type)) throw invalid(`criteria must be a search URL such as DiagnosticReport?status=final, got "${criteria.slice(0, 80)}"`);
  let search: SearchRequest;
  try {
    search = parseSearch(type, new URLSearchParams(query));
  } catch (err) {
    if (err instanceof FhirError) throw invalid(`criteria "${criteria.slice(0, 80)}": ${err.message}`);
    throw err;
  }
  // a search ignores what it does not know; a subscription must not quietly match more than asked
  if (search.unknown.length > 0) throw invalid(`criteria "${criteria.slice(0, 80)}": unknown search parameter ${search.unknown.join(', ')} for ${type}`);
  return { type, search };
}

function endpointOf(subscription: Subscription): string {
  const endpoint = subscription.channel?.endpoint;
  if (!endpoint) throw invalid('channel.endpoint is missing');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalid(`channel.endpoint "${endpoint.slice(0, 80)}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('channel.endpoint must be an http(s) URL');
  return endpoint;
}

function headersOf(subscription: Subscription): [string, string][] {
  return (subscription.channel?.header ?? []).map((header) => {
    const colon = header.indexOf(':');
    if (colon <= 0) throw invalid(`channel.header "${header.slice(0, 40)}" must read "Name: value"`);
    return [header.slice(0, colon).trim(), header.slice(colon + 1).trim()];
  });
}

function payloadOf(subscription: Subscription): 'id-only' | 'full-resource' {
  const payload = subscription.channel?.payload;
  if (payload === undefined) return 'id-only';
  if (payload === 'application/fhir+json' || payload === 'application/json') return 'full-resource';
  throw invalid(`channel.payload "${payload}" is not offered (application/fhir+json, or none for id-only notifications)`);
}

function secondsExtension(subscription: Subscription, url: string): number | undefined {
  const value = subscription.channel?.extension?.find((e) => e.url === url)?.valueUnsignedInt;
  if (value !== undefined && (!Number.isInteger(value) || value <= 0)) throw invalid(`${url} must be a positive number of seconds`);
  return value;
}

export function definitionOf(subscription: Subscription): SubscriptionDefinition {
  if (subscription.channel?.type !== 'rest-hook') throw invalid(`channel.type ${subscription.channel?.type ?? '(none)'} is not offered; use rest-hook`);
  const { type, search } = criteriaSearch(subscription.criteria);
  return {
    id: subscription.id!,
    status: subscription.status,
    criteria: subscription.criteria,
    type,
    search,
    endpoint: endpointOf(subscription),
    headers: headersOf(subscription),
    payload: payloadOf(subscription),
    heartbeatSeconds: secondsExtension(subscription, HEARTBEAT_PERIOD_EXTENSION),
    timeoutSeconds: secondsExtension(subscription, TIMEOUT_EXTENSION),
    consentExempt: subscription.meta?.tag?.some((tag) => tag.system === CONSENT_EXEMPT_TAG.system && tag.code === CONSENT_EXEMPT_TAG.code) ?? false,
  };
}
