/** The audit record of one stored version, written by the request in `scope`. */
import type { Resource } from 'fhir/r4.js';
import { patientOf } from '../services/subscriptions/consent-coverage.js';
import { type CurrentDocument, type HistoryMethod, type Version, resourceOf } from '../services/stored-document.js';
import type { AuditAction, AuditRecord, RestfulInteraction } from './audit-event.js';
import type { AuditScope } from './audit-scope.js';

const BY_METHOD: Record<HistoryMethod, [RestfulInteraction, AuditAction]> = {
  POST: ['create', 'C'],
  PUT: ['update', 'U'],
  PATCH: ['patch', 'U'],
  DELETE: ['delete', 'D'],
};

/** The id of the patient a resource is about: the Patient itself, or its subject or patient. */
export function auditedPatientOf(resource: Resource): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id;
  return patientOf(resource)?.slice('Patient/'.length);
}

function writtenInteraction(version: Version): [RestfulInteraction, AuditAction] {
  if (version.deleted) return BY_METHOD.DELETE;
  if (version.method === 'PUT' && version.versionId === 1) return BY_METHOD.POST;
  return BY_METHOD[version.method ?? 'PUT'];
}

export function writeAuditRecord(scope: AuditScope, version: Version, document: CurrentDocument): AuditRecord {
  const [interaction, action] = writtenInteraction(version);
  const record: AuditRecord = {
    interaction, action, recorded: new Date(), outcome: { status: interaction === 'create' ? 201 : 200 },
    resource: { type: version.type, id: version.id, versionId: version.versionId },
  };
  if (scope.client) record.client = scope.client;
  if (scope.address) record.address = scope.address;
  if (scope.requestId) record.requestId = scope.requestId;
  const patient = document.json ? auditedPatientOf(resourceOf(document)) : undefined;
  if (patient) record.patient = patient;
  return record;
}
