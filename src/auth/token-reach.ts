/**
 * The reach (services/client-reach.ts) of a verified token: its SMART scopes decide which types it
 * sees and searches; an `organization` claim limits the types organization-reach.ts names to that
 * organization's resources. A patient-context grant is bounded by patient-context.ts, not here.
 */
import { FhirError } from '../fhir/errors.js';
import { type ClientReach, UNLIMITED_REACH } from '../services/client-reach.js';
import { assertBelongsToOrganization, belongsToOrganization, organizationClause, storedInOrganization } from './organization-reach.js';
import { allows, missingScopeText } from './smart-scopes.js';
import type { AuthenticatedClient } from './token-verifier.js';

/** Made once per verified token: the token cache gives every request with that token the same client. */
const reaches = new WeakMap<AuthenticatedClient, ClientReach>();

/** `client` absent: authentication is off, nothing is limited. */
export function reachOfClient(client: AuthenticatedClient | undefined): ClientReach {
  if (!client) return UNLIMITED_REACH;
  let reach = reaches.get(client);
  if (!reach) reaches.set(client, (reach = reachOfVerified(client)));
  return reach;
}

function reachOfVerified({ scopes, organization }: AuthenticatedClient): ClientReach {
  return {
    limited: organization !== undefined,
    readsType: (type) => allows(scopes, type, 'r') !== undefined || allows(scopes, type, 's') !== undefined,
    assertSearches: (type) => {
      if (!allows(scopes, type, 's')) throw new FhirError('FHIR_ERR_FORBIDDEN', ['search', type, missingScopeText(type, 's')]);
    },
    clause: (type) => (organization === undefined ? undefined : organizationClause(type, organization)),
    holds: (resource) => organization === undefined || belongsToOrganization(resource, organization),
    holdsStored: (type, id, organizations) => organization === undefined || storedInOrganization(type, id, organizations, organization),
    assertWritable: (resource) => {
      if (organization !== undefined) assertBelongsToOrganization(resource, organization);
    },
  };
}
