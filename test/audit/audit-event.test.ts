/** The AuditEvent of one RESTful interaction, in the shape IHE BALP gives it. */
import type { AuditEvent } from 'fhir/r4.js';
import t from 'tap';
import { type AuditRecord, auditEventOf } from '../../src/audit/audit-event.js';

const RECORDED = new Date('2025-03-04T05:06:07.089Z');
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';

function record(overrides: Partial<AuditRecord>): AuditRecord {
  return { interaction: 'read', action: 'R', recorded: RECORDED, outcome: { status: 200 }, ...overrides };
}

function entityWithRole(event: AuditEvent, code: string) {
  return event.entity?.filter((e) => e.role?.system === OBJECT_ROLE && e.role.code === code) ?? [];
}

t.test('a read: rest type, read subtype, the client as requestor with its address, the version read', async (t) => {
  const event = auditEventOf(record({
    client: { clientId: 'mis-42' }, address: '10.1.2.3', requestId: 'req-1',
    resource: { type: 'Observation', id: 'obs-1', versionId: 3 },
  }), { display: 'Test server', site: 'Region 77' });
  t.equal(event.resourceType, 'AuditEvent');
  t.same(event.type, { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' });
  t.same(event.subtype?.map((c) => [c.system, c.code]), [['http://hl7.org/fhir/restful-interaction', 'read']]);
  t.equal(event.action, 'R');
  t.equal(event.recorded, '2025-03-04T05:06:07.089Z');
  t.equal(event.outcome, '0');
  t.notOk('outcomeDesc' in event, 'no description of a success');
  t.equal(event.agent.length, 1, 'the server itself is not an agent');
  const [client] = event.agent;
  t.same(client!.type?.coding?.map((c) => [c.system, c.code]), [[DCM, '110153']]);
  t.same(client!.who, { identifier: { value: 'mis-42' } });
  t.equal(client!.requestor, true);
  t.same(client!.network, { address: '10.1.2.3', type: '2' });
  t.same(event.source.observer, { display: 'Test server' });
  t.equal(event.source.site, 'Region 77');
  const [resource] = entityWithRole(event, '4');
  t.equal(resource?.what?.reference, 'Observation/obs-1/_history/3');
  t.same(resource?.type, { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' });
  const transaction = event.entity?.find((e) => e.type?.code === 'XrequestId');
  t.same(transaction?.what, { identifier: { value: 'req-1' } });
  t.notOk(event.entity?.some((e) => e.query), 'a read has no query entity');
});

t.test('a search: the query as base64 in a role-24 entity, the user as the requestor', async (t) => {
  const query = 'subject=Patient/p1&code=http://loinc.org|1234-5&_count=10&name=Иванов';
  const event = auditEventOf(record({
    interaction: 'search-type', action: 'E', query, patient: 'p1',
    client: { clientId: 'mis-42', subject: 'practitioner-7' }, resource: { type: 'Observation' },
  }));
  t.equal(event.subtype?.[0]?.code, 'search-type');
  const [queryEntity, ...more] = entityWithRole(event, '24');
  t.same(more, [], 'one query entity');
  t.equal(Buffer.from(queryEntity!.query!, 'base64').toString('utf8'), query);
  t.equal(queryEntity!.type?.code, '2');
  t.same(entityWithRole(event, '4'), [], 'no resource entity without an id');
  t.same(entityWithRole(event, '1').map((e) => e.what?.reference), ['Patient/p1']);
  const [client, user] = event.agent;
  t.equal(client!.requestor, false, 'the application is not the requestor when its user is known');
  t.same(user!.who, { identifier: { value: 'practitioner-7' } });
  t.equal(user!.requestor, true);
  t.equal(user!.type?.coding?.[0]?.code, 'IRCP');
  t.notOk(client!.network, 'no network without an address');
  t.same(event.source.observer, { display: 'EGISZ FHIR Server' }, 'this server observes by default');
  t.notOk(event.source.site);
});

t.test('a create with a patient: action C, the new version and the patient as entities', async (t) => {
  const event = auditEventOf(record({
    interaction: 'create', action: 'C', outcome: { status: 201 }, client: { clientId: 'lab' },
    resource: { type: 'Observation', id: 'new-1', versionId: '1' }, patient: 'p9',
  }));
  t.equal(event.action, 'C');
  t.equal(event.outcome, '0');
  t.same(entityWithRole(event, '4').map((e) => e.what?.reference), ['Observation/new-1/_history/1']);
  const [patient] = entityWithRole(event, '1');
  t.equal(patient?.what?.reference, 'Patient/p9');
  t.equal(patient?.type?.code, '1', 'the patient is a person');
});

t.test('failures: a 4xx is a minor failure, a 5xx a serious one, described by the given text only', async (t) => {
  const notFound = auditEventOf(record({ outcome: { status: 404, text: 'Resource Patient/x is not known' }, resource: { type: 'Patient', id: 'x' } }));
  t.equal(notFound.outcome, '4');
  t.equal(notFound.outcomeDesc, 'Resource Patient/x is not known');
  t.same(entityWithRole(notFound, '4').map((e) => e.what?.reference), ['Patient/x'], 'without a version, the resource itself');
  const failed = auditEventOf(record({ interaction: 'update', action: 'U', outcome: { status: 500, text: 'Internal error' } }));
  t.equal(failed.outcome, '8');
  t.equal(failed.outcomeDesc, 'Internal error');
  t.equal(auditEventOf(record({ outcome: { status: 503 } })).outcome, '8');
  t.equal(auditEventOf(record({ outcome: { status: 400 } })).outcome, '4');
  t.equal(auditEventOf(record({ outcome: { status: 304 } })).outcome, '0');
  const text = JSON.stringify(auditEventOf(record({ outcome: { status: 422, text: 'Invalid resource' } })));
  t.notMatch(text, /resourceType":"OperationOutcome|issue/, 'no body in the event');
});

t.test('an anonymous request still has its client agent, without who', async (t) => {
  const event = auditEventOf(record({ interaction: 'capabilities', address: '::1' }));
  t.equal(event.agent.length, 1);
  t.notOk(event.agent[0]!.who);
  t.equal(event.agent[0]!.requestor, true);
  t.equal(event.agent[0]!.network?.address, '::1');
  t.notOk(event.entity, 'nothing touched');
});
