/**
 * Which resources belong to an organization, for tokens with an `organization` claim (clinic EHRs,
 * lab systems): each limited type's element (services/organization-elements.ts) must refer to the
 * organization, and a search adds the same condition over that element's search parameter that a
 * single resource is checked against. Types without such an element are not limited.
 */
import type { Reference, Resource } from 'fhir/r4.js';
import { FhirError } from '../fhir/errors.js';
import { type Clause, normalizeReference } from '../search/index.js';
import { organizationElementOf } from '../services/organization-elements.js';

const idOf = (organization: string): string => organization.slice('Organization/'.length);

/** The search clause keeping `type` to `organization` (`Organization/<id>`): `performer=Organization/<id>`, `_id=<id>`. */
export function organizationClause(type: string, organization: string): Clause | undefined {
  const limit = organizationElementOf(type);
  if (!limit) return undefined;
  if (limit.param === '_id') return { param: '_id', type: 'token', values: [{ kind: 'token', code: idOf(organization) }] };
  return { param: limit.param, type: 'reference', values: [{ kind: 'reference', refs: [organization] }] };
}

/** Whether the resource belongs to the organization: its element refers to it as the search index reads references. */
export function belongsToOrganization(resource: Resource, organization: string): boolean {
  const limit = organizationElementOf(resource.resourceType);
  if (!limit) return true;
  if (limit.param === '_id') return resource.id === idOf(organization);
  const value = (resource as unknown as Record<string, Reference | Reference[] | undefined>)[limit.element];
  return [value ?? []].flat().some((ref) => ref.reference !== undefined && normalizeReference(ref.reference) === organization);
}

/**
 * Whether a stored resource belongs to the organization, judged by what its organization element
 * refers to as stored beside its index entries (organization-elements.ts): no parsing of its JSON.
 */
export function storedInOrganization(type: string, id: string, organizations: readonly string[] | null, organization: string): boolean {
  const limit = organizationElementOf(type);
  if (!limit) return true;
  if (limit.param === '_id') return id === idOf(organization);
  return (organizations ?? []).includes(organization);
}

/**
 * Throws 403 unless a Subscription's criteria keep an organization-limited type to the organization
 * (`Observation?performer=Organization/<id>&...`): otherwise its notifications would carry other
 * organizations' resources.
 */
export function assertSubscriptionInOrganization(body: unknown, organization: string): void {
  const criteria = (body as { criteria?: unknown } | undefined)?.criteria;
  if (typeof criteria !== 'string') return;
  const [type = '', query = ''] = criteria.split('?');
  const limit = organizationElementOf(type);
  if (!limit) return;
  const expected = limit.param === '_id' ? idOf(organization) : organization;
  const named = new URLSearchParams(query).getAll(limit.param).flatMap((value) => value.split(','));
  if (named.length > 0 && named.every((value) => value === expected)) return;
  throw new FhirError('FHIR_ERR_SUBSCRIPTION_REACH', [criteria.slice(0, 200), organization, `${limit.param}=${expected}`], ['Subscription.criteria']);
}

/** Throws 403 (naming the element and the organization) unless the resource to be written belongs to the organization. */
export function assertBelongsToOrganization(resource: Resource, organization: string): void {
  if (belongsToOrganization(resource, organization)) return;
  const element = `${resource.resourceType}.${organizationElementOf(resource.resourceType)!.element}`;
  throw new FhirError('FHIR_ERR_ORGANIZATION_REACH', [element, organization], [element]);
}
