/** The codings AuditEvents are written with (IHE BALP, DICOM, HL7 terminology). */
import type { Coding } from 'fhir/r4.js';

export const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
export const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
export const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';

export const REST: Coding = { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' };
export const SOURCE_ROLE: Coding = { system: DCM, code: '110153', display: 'Source Role ID' };
export const INFORMATION_RECIPIENT: Coding = { system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' };
export const APPLICATION_SERVER: Coding = { system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' };
export const PERSON: Coding = { system: ENTITY_TYPE, code: '1', display: 'Person' };
export const SYSTEM_OBJECT: Coding = { system: ENTITY_TYPE, code: '2', display: 'System Object' };
export const PATIENT_ROLE: Coding = { system: OBJECT_ROLE, code: '1', display: 'Patient' };
export const DOMAIN_RESOURCE_ROLE: Coding = { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' };
export const QUERY_ROLE: Coding = { system: OBJECT_ROLE, code: '24', display: 'Query' };
export const X_REQUEST_ID: Coding = { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType', code: 'XrequestId' };
