import { observation, patient } from '../support/fixtures.ts';
import { ndjson } from './import-command.ts';

const ORGANIZATION_ID = { system: 'urn:oid:1.2.643.5.1.13.13.12.2.77', value: 'import-org-1' };

const transaction = (entry: unknown[]) => JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry });

/** A Patient and its Observation by urn:uuid, and an Organization created only if none has its identifier. */
const goodTransaction = transaction([
  { fullUrl: 'urn:uuid:6f1d6c0e-0001-4c55-9d3e-000000000001', resource: patient('Транзакциев', '11223344595'), request: { method: 'POST', url: 'Patient' } },
  { fullUrl: 'urn:uuid:6f1d6c0e-0001-4c55-9d3e-000000000002', resource: { ...observation('x'), subject: { reference: 'urn:uuid:6f1d6c0e-0001-4c55-9d3e-000000000001' } }, request: { method: 'POST', url: 'Observation' } },
  { fullUrl: 'urn:uuid:6f1d6c0e-0001-4c55-9d3e-000000000003', resource: { resourceType: 'Organization', identifier: [ORGANIZATION_ID], name: 'ГБУЗ Импорт' },
    request: { method: 'POST', url: 'Organization', ifNoneExist: `identifier=${ORGANIZATION_ID.system}|${ORGANIZATION_ID.value}` } },
]);

/** Its Observation points at a urn:uuid no entry has, so the whole transaction fails and writes nothing. */
const brokenTransaction = transaction([
  { fullUrl: 'urn:uuid:6f1d6c0e-0002-4c55-9d3e-000000000001', resource: patient('Откатов'), request: { method: 'POST', url: 'Patient' } },
  { fullUrl: 'urn:uuid:6f1d6c0e-0002-4c55-9d3e-000000000002', resource: { ...observation('x'), subject: { reference: 'urn:uuid:6f1d6c0e-0002-4c55-9d3e-00000000dead' } }, request: { method: 'POST', url: 'Observation' } },
]);

/** Its second entry's body names another id than its URL: that entry fails, the first one is kept. */
const batch = JSON.stringify({
  resourceType: 'Bundle', type: 'batch', entry: [
    { resource: patient('Пакетов'), request: { method: 'POST', url: 'Patient' } },
    { resource: { ...patient('Несовпадов'), id: 'imp-b' }, request: { method: 'PUT', url: 'Patient/imp-a' } },
  ],
});

const patients = ndjson([
  { ...patient('Первый'), id: 'imp-p1' },
  { ...patient('Второй'), id: 'imp-p2' },
  'not json at all',
  patient('Безидов'),
  '',
  '[1, 2]',
  { ...patient('Третий'), id: 'imp-p3' },
]);

const observations = ndjson([{ ...observation('imp-p1'), id: 'imp-o1' }, { ...observation('imp-p1', '2000'), id: 'imp-o2' }]);

/** The files of the import tests: 15 entries, of which 5 fail (see EXPECTED). */
export const IMPORT_FILES = {
  'bundles/01-transaction.json': goodTransaction,
  'bundles/02-broken-transaction.json': brokenTransaction,
  'bundles/03-batch.json': batch,
  'ndjson/1-Patient.ndjson': patients,
  'ndjson/2-Observation.ndjson.gz': observations,
};

export const EXPECTED = {
  imported: 10,
  failed: 5,
  /** The summary's reasons, most frequent first; those of equal count in any order. */
  mostFrequentReason: '2 × 400 FHIR_ERR_REFERENCE_UNRESOLVED',
  otherReasons: ['1 × 400 FHIR_ERR_ID_MISMATCH', '1 × not sent FHIR_ERR_BODY_NOT_RESOURCE', '1 × not sent FHIR_ERR_JSON_MALFORMED'],
  examples: [
    'e.g. bundles/02-broken-transaction.json (all 2 entries of the transaction)',
    'e.g. bundles/03-batch.json entry 2 (PUT Patient/imp-a)',
    'e.g. ndjson/1-Patient.ndjson line 3',
    'e.g. ndjson/1-Patient.ndjson line 6',
  ],
  organizationIdentifier: `${ORGANIZATION_ID.system}|${ORGANIZATION_ID.value}`,
};
