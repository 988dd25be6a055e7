/** The audit record of one attempt to deliver events (an export: audit/notification-audit-event.ts). */
import type { FhirResource } from 'fhir/r4.js';
import type { AuditRecord } from '../../audit/audit-event.js';
import { auditedPatientOf } from '../../audit/write-audit-record.js';
import type { DeliveryAttempt, OutboxItem } from './outbox.js';
import type { SubscriptionDefinition } from './subscription-definition.js';

export function deliveryAuditRecord(definition: SubscriptionDefinition, sent: { item: OutboxItem; resource: FhirResource }[], attempt: DeliveryAttempt): AuditRecord {
  const patients = new Set(sent.map(({ resource }) => auditedPatientOf(resource)));
  const [patient] = patients;
  return {
    interaction: 'operation',
    action: 'R',
    recorded: attempt.at,
    outcome: { status: attempt.httpStatus ?? 0, ...(attempt.error ? { text: attempt.error } : {}) },
    // one patient when every event is about the same one (a cabinet subscription's are)
    ...(patients.size === 1 && patient ? { patient } : {}),
    notification: {
      endpoint: definition.endpoint,
      subscription: definition.id,
      focus: sent.map(({ item }) => `${item.focus}/_history/${item.versionId}`),
    },
  };
}
