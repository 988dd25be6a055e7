/**
 * The patient a stored version is about (named in its read's AuditEvent): kept in the current
 * document when it is written, so a read need not unpack the index entries; found in them for
 * documents written before it was kept.
 */
import type { Observation, Organization } from 'fhir/r4.js';
import t, { type Test } from 'tap';
import { type CurrentDocument, versionOf } from '../../src/services/stored-document.ts';
import { versionDocuments } from '../../src/services/write-version.ts';

const observation: Observation = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p1' } };

/** The document with its index entries guarded: reading them fails the test. */
function withGuardedEntries(doc: CurrentDocument, t: Test): CurrentDocument {
  const { idx } = doc;
  Object.defineProperty(doc, 'idx', { enumerable: true, get: () => (t.fail('the index entries were read'), idx) });
  return doc;
}

t.test('a written document names its patient without its index entries being read', async (t) => {
  const { document } = versionDocuments('Observation', 'o1', null, observation, 'POST');
  t.equal(document.patient, 'p1');
  t.equal(versionOf('Observation', withGuardedEntries(document, t)).patient, 'p1');
  const patient = versionDocuments('Patient', 'p1', null, { resourceType: 'Patient' }, 'POST').document;
  t.equal(versionOf('Patient', withGuardedEntries(patient, t)).patient, 'p1');
  const organization = versionDocuments('Organization', 'org', null, { resourceType: 'Organization', name: 'Лаборатория' } as Organization, 'POST').document;
  t.equal(organization.patient, null);
  t.equal(versionOf('Organization', withGuardedEntries(organization, t)).patient, undefined);
});

t.test('a document written before the patient was kept finds it in its index entries', async (t) => {
  const { document } = versionDocuments('Observation', 'o1', null, observation, 'POST');
  delete document.patient;
  t.equal(versionOf('Observation', document).patient, 'p1');
  const { document: deleted } = versionDocuments('Observation', 'o1', document, null, 'DELETE');
  t.equal(deleted.patient, null, 'a delete is about no patient');
});
