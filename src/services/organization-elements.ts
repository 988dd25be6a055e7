/**
 * Which element ties a resource to an organization (the clinic or lab it belongs to), and the
 * search parameter over that element. Clients limited to an organization (auth/organization-reach.ts)
 * reach only the resources whose element refers to it; types not in the table are not limited.
 */
import type { IndexEntries } from '../search/index.js';

export interface OrganizationElement {
  /** The element of the resource (each one a Reference; `id` for the Organization itself). */
  element: string;
  /** The search parameter over that element. */
  param: string;
}

const ORGANIZATION_ELEMENTS: Readonly<Record<string, OrganizationElement>> = {
  Organization: { element: 'id', param: '_id' },
  Patient: { element: 'managingOrganization', param: 'organization' },
  Observation: { element: 'performer', param: 'performer' },
  DiagnosticReport: { element: 'performer', param: 'performer' },
  Consent: { element: 'organization', param: 'organization' },
  Encounter: { element: 'serviceProvider', param: 'service-provider' },
  ServiceRequest: { element: 'requester', param: 'requester' },
};

export function organizationElementOf(type: string): OrganizationElement | undefined {
  return Object.hasOwn(ORGANIZATION_ELEMENTS, type) ? ORGANIZATION_ELEMENTS[type] : undefined;
}

/**
 * What the organization element of a stored resource refers to (`Organization/<id>`), from its
 * search index entries; null for a type without such an element, and for an Organization (its own id).
 */
export function organizationsOfEntries(type: string, idx: IndexEntries | undefined): string[] | null {
  const limit = organizationElementOf(type);
  if (!limit || limit.param === '_id') return null;
  const organizations: string[] = [];
  for (const entry of idx?.reference ?? []) {
    if (entry.p === limit.param && entry.r !== undefined) organizations.push(entry.r);
  }
  return organizations;
}
