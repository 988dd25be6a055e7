/**
 * The audit log is written by the server alone: through the API, AuditEvents are read and
 * searched, never created, updated or deleted (405), whatever the token, and also with AUTH=off.
 */
import { FhirError } from '../fhir/errors.js';
import type { Permission } from '../auth/route-permissions.js';

const WRITES = { c: 'create', u: 'update', d: 'delete' } as const;

export function assertAuditLogUntouched(permissions: readonly Permission[]): void {
  for (const { type, interaction } of permissions) {
    if (type === 'AuditEvent' && interaction in WRITES) throw new FhirError('FHIR_ERR_AUDIT_LOG_READ_ONLY', [WRITES[interaction as keyof typeof WRITES]]);
  }
}
