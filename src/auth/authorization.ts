import { assertAuditLogUntouched } from '../audit/audit-log-writes.js';
import { FhirError } from '../fhir/errors.js';
import type { FhirRequest } from '../http/fhir-request.js';
import { assertSubscriptionInOrganization } from './organization-reach.js';
import { beyondPatient } from './patient-context.js';
import { allows, missingScopeText } from './smart-scopes.js';
import type { Permission } from './route-permissions.js';

const INTERACTION_NAMES = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' } as const;

/**
 * Refuses (403, naming the scopes that would do) what the client's token does not grant; what only
 * a patient-context scope grants must stay within the token's patient (`operation`: the
 * `$name` of an operation request). No client means authentication is off: everything is allowed.
 */
export function assertPermitted(request: FhirRequest, permissions: readonly Permission[], operation?: string): void {
  if (operation === undefined) assertAuditLogUntouched(permissions);
  const client = request.client;
  if (!client) return;
  for (const { type, interaction } of permissions) {
    const what = type === '*' ? 'every resource type' : type;
    const scope = allows(client.scopes, type, interaction);
    if (!scope) throw new FhirError('FHIR_ERR_FORBIDDEN', [INTERACTION_NAMES[interaction], what, missingScopeText(type, interaction)]);
    const beyond = scope.context === 'patient' ? beyondPatient(request, client.patient, operation) : undefined;
    if (beyond) throw new FhirError('FHIR_ERR_PATIENT_CONTEXT', [INTERACTION_NAMES[interaction], what, client.patient ?? '?', beyond]);
  }
  if (client.organization && request.type === 'Subscription' && ['POST', 'PUT'].includes(request.method)) {
    assertSubscriptionInOrganization(request.body, client.organization);
  }
}
