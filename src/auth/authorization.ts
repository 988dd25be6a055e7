import { FhirError } from '../fhir/errors.js';
import type { AuthenticatedClient } from './token-verifier.js';
import { allows, missingScopeText } from './smart-scopes.js';
import type { Permission } from './route-permissions.js';

const INTERACTION_NAMES = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' } as const;

/**
 * Refuses (403, naming the scopes that would do) what the client's token does not grant.
 * No client means authentication is off: everything is allowed.
 */
export function assertPermitted(client: AuthenticatedClient | undefined, permissions: readonly Permission[]): void {
  if (!client) return;
  for (const { type, interaction } of permissions) {
    if (!allows(client.scopes, type, interaction)) {
      throw new FhirError('FHIR_ERR_FORBIDDEN', [INTERACTION_NAMES[interaction], type === '*' ? 'every resource type' : type, missingScopeText(type, interaction)]);
    }
  }
}
