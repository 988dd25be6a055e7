/**
 * Bundles stored as resources (POST /Bundle): document, collection and message bundles, their
 * search parameters (identifier, type, timestamp, and composition / message, which search the
 * resource the bundle holds first), and the R4 Bundle invariants checked on write.
 */
import t, { type Test } from 'tap';
import type { Bundle, BundleEntry, Composition, MessageHeader } from 'fhir/r4.js';
import { client } from '../support/fhir-client.js';
import { observation, patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const server = await startServer();
t.teardown(() => server.close());
const fhir = client(server.base);
const SNILS = 'urn:oid:1.2.643.100.3';
const LOINC = 'http://loinc.org';
const RFC3986 = 'urn:ietf:rfc:3986';
const LAB_REPORT = '11502-2';
const DISCHARGE = '18842-5';

await fhir.put('/Patient/ivanov', { ...patient('Иванов', '11223344595'), id: 'ivanov' });
await fhir.put('/Patient/petrov', { ...patient('Петров', '55566677750'), id: 'petrov' });

function composition(id: string, patientId: string, code: string): Composition {
  return {
    resourceType: 'Composition',
    id,
    status: 'final',
    type: { coding: [{ system: LOINC, code }] },
    subject: { reference: `Patient/${patientId}` },
    date: '2024-03-01T10:00:00+03:00',
    author: [{ display: 'Лаборатория' }],
    title: 'Результаты исследований',
  };
}

function documentBundle(uuid: string, timestamp: string, first: Composition, patientId: string): Bundle {
  return {
    resourceType: 'Bundle',
    identifier: { system: RFC3986, value: `urn:uuid:${uuid}` },
    type: 'document',
    timestamp,
    entry: [
      { fullUrl: `urn:uuid:${first.id}`, resource: first },
      { fullUrl: `${server.base}/Patient/${patientId}`, resource: { ...patient(), id: patientId } },
      { fullUrl: 'urn:uuid:0b3f7c2e-0000-4000-8000-000000000001', resource: observation(patientId, '1000') },
    ],
  };
}

const docA = documentBundle('6c8a1f0e-1111-4000-8000-00000000000a', '2024-03-01T10:00:00+03:00',
  composition('comp-a', 'ivanov', LAB_REPORT), 'ivanov');
const docB = documentBundle('6c8a1f0e-1111-4000-8000-00000000000b', '2024-05-01T10:00:00+03:00',
  composition('comp-b', 'petrov', DISCHARGE), 'petrov');
/** Its first entry refers to Patient/ivanov as subject too, but it is no Composition. */
const collection: Bundle = {
  resourceType: 'Bundle',
  identifier: { system: 'urn:oid:1.2.643.5.1.13.13.12.2.77.7845', value: 'batch-17' },
  type: 'collection',
  timestamp: '2024-04-01T00:00:00Z',
  entry: [
    { fullUrl: 'urn:uuid:0b3f7c2e-0000-4000-8000-000000000002', resource: observation('ivanov', '2000') },
    { fullUrl: 'urn:uuid:0b3f7c2e-0000-4000-8000-000000000003', resource: observation('ivanov', '3000') },
  ],
};
const header: MessageHeader = {
  resourceType: 'MessageHeader',
  eventCoding: { system: 'urn:egisz:events', code: 'lab-result' },
  source: { endpoint: 'urn:oid:1.2.643.5.1.13.13.12.2.77.7845' },
  focus: [{ reference: 'Observation/o-1' }],
};
const message: Bundle = {
  resourceType: 'Bundle',
  identifier: { system: RFC3986, value: 'urn:uuid:6c8a1f0e-1111-4000-8000-00000000000c' },
  type: 'message',
  timestamp: '2024-06-01T00:00:00Z',
  entry: [{ fullUrl: 'urn:uuid:0b3f7c2e-0000-4000-8000-000000000004', resource: header }],
};

async function create(body: Bundle): Promise<string> {
  const res = await fhir.post('/Bundle', body);
  if (res.status !== 201) throw new Error(`POST /Bundle: ${res.status} ${res.text}`);
  return res.body.id;
}

const a = await create(docA);
const b = await create(docB);
const c = await create(collection);
const m = await create(message);

async function searchIds(query: string): Promise<string[]> {
  const res = await fhir.get(`/Bundle?${query}`);
  if (res.status !== 200) throw new Error(`${query}: ${res.status} ${res.text}`);
  return res.body.entry?.map((e: BundleEntry) => e.resource!.id) ?? [];
}

const byId = (...ids: string[]): string[] => [...ids].sort();
const q = encodeURIComponent;

t.test('a stored bundle reads back as it was posted, apart from id and meta', async (t) => {
  for (const [id, posted] of [[a, docA], [c, collection], [m, message]] as const) {
    const res = await fhir.get(`/Bundle/${id}`);
    t.equal(res.status, 200);
    const { id: readId, meta, ...rest } = res.body;
    t.equal(readId, id);
    t.equal(meta.versionId, '1');
    t.strictSame(rest, posted);
  }
});

t.test('identifier, type and timestamp', async (t) => {
  t.same(await searchIds(`identifier=${q(`${RFC3986}|${docA.identifier!.value}`)}`), [a]);
  t.same(await searchIds(`identifier=${q(docB.identifier!.value!)}`), [b], 'the value alone');
  t.same(await searchIds('identifier=batch-17'), [c]);
  t.same(await searchIds(`identifier=${q(`${RFC3986}|`)}`), byId(a, b, m), 'system|');
  t.same(await searchIds('type=document'), byId(a, b));
  t.same(await searchIds('type=collection'), [c]);
  t.same(await searchIds('type=message,collection'), byId(c, m));
  t.same(await searchIds('timestamp=ge2024-04-01T00:00:00Z'), byId(b, c, m), 'ge takes the instant itself');
  t.same(await searchIds('timestamp=lt2024-04-01T00:00:00Z'), [a]);
  t.same(await searchIds('timestamp=ge2024-03&timestamp=lt2024-05-02&type=document'), byId(a, b));
  t.same(await searchIds('_sort=-timestamp'), [m, b, c, a]);
});

t.test('composition: the Composition a document holds first', async (t) => {
  t.same(await searchIds('composition.subject=Patient/ivanov'), [a], 'not the collection, whose first entry is no Composition');
  t.same(await searchIds('composition.subject=Patient/petrov'), [b]);
  t.same(await searchIds('composition.subject=petrov'), [b], 'an id alone, as for any reference');
  t.same(await searchIds('composition.subject:Patient=ivanov'), [a], 'a modifier on the held parameter');
  t.same(await searchIds(`composition.type=${q(`${LOINC}|${LAB_REPORT}`)}`), [a]);
  t.same(await searchIds(`composition.type=${DISCHARGE},${LAB_REPORT}`), byId(a, b));
  t.same(await searchIds(`composition:Composition.type=${DISCHARGE}`), [b], 'the target type given');
  t.same(await searchIds(`composition.type=${LAB_REPORT}&composition.subject=Patient/petrov`), []);
  t.same(await searchIds('composition.subject=Patient/ivanov&timestamp=ge2024-04'), []);
  t.same(await searchIds('composition=Composition/comp-b'), [b], 'the held Composition by its id');
  t.same(await searchIds('composition._id=comp-a'), [a]);
  t.same(await searchIds('composition:missing=true'), byId(c, m));
  t.same(await searchIds(`composition.patient:Patient.identifier=${q(`${SNILS}|55566677750`)}`), [b],
    'a chain on from the held Composition to a stored Patient');
  t.same(await searchIds(`composition.subject.family=${q('иванов')}`), [a], 'an untyped chain on');
});

t.test('message: the MessageHeader a message holds first', async (t) => {
  t.same(await searchIds(`message.event=${q('urn:egisz:events|lab-result')}`), [m]);
  t.same(await searchIds('message.focus=Observation/o-1'), [m]);
  t.same(await searchIds('message.focus=Observation/o-2'), []);
});

t.test('a held parameter that does not exist, or a reverse chain from a held resource, is refused', async (t) => {
  const unknown = await fhir.get('/Bundle?composition.no-such-param=x');
  t.equal(unknown.status, 400);
  t.equal(unknown.body.issue[0].details.coding[0].code, 'FHIR_ERR_PARAM_UNKNOWN');
  const has = await fhir.get('/Bundle?composition._has:Observation:subject:code=1000');
  t.equal(has.status, 400);
  t.equal(has.body.issue[0].details.coding[0].code, 'FHIR_ERR_PARAM_INVALID');
});

async function refused(t: Test, method: 'post' | 'put', path: string, body: Bundle, code: string, expression: string): Promise<void> {
  const res = await fhir[method](path, body);
  t.equal(res.status, 400, `${code}: status`);
  t.equal(res.body?.issue?.[0]?.details?.coding?.[0]?.code, code);
  t.same(res.body?.issue?.[0]?.expression, [expression]);
  t.equal(res.body?.issue?.[0]?.code, 'invariant');
}

t.test('document invariants: identifier (bdl-9), timestamp (bdl-10), Composition first (bdl-11)', async (t) => {
  const { identifier, timestamp, ...bare } = docA;
  await refused(t, 'post', '/Bundle', { ...bare, timestamp }, 'FHIR_ERR_BUNDLE_DOCUMENT_IDENTIFIER', 'Bundle.identifier');
  await refused(t, 'post', '/Bundle', { ...bare, timestamp, identifier: { value: 'x' } }, 'FHIR_ERR_BUNDLE_DOCUMENT_IDENTIFIER', 'Bundle.identifier');
  await refused(t, 'post', '/Bundle', { ...bare, identifier }, 'FHIR_ERR_BUNDLE_DOCUMENT_TIMESTAMP', 'Bundle.timestamp');
  await refused(t, 'post', '/Bundle', { ...docA, entry: docA.entry!.slice(1) }, 'FHIR_ERR_BUNDLE_DOCUMENT_COMPOSITION', 'Bundle.entry[0].resource');
  await refused(t, 'post', '/Bundle', { ...docA, entry: [] }, 'FHIR_ERR_BUNDLE_DOCUMENT_COMPOSITION', 'Bundle.entry[0].resource');
  await refused(t, 'put', '/Bundle/doc-x', { ...docA, id: 'doc-x', timestamp: undefined }, 'FHIR_ERR_BUNDLE_DOCUMENT_TIMESTAMP', 'Bundle.timestamp');
  await refused(t, 'post', '/Bundle', { ...message, entry: collection.entry }, 'FHIR_ERR_BUNDLE_MESSAGE_HEADER', 'Bundle.entry[0].resource');
  t.equal((await fhir.get('/Bundle/doc-x')).status, 404, 'nothing was stored');
  t.same(await searchIds('type=document'), byId(a, b), 'nothing was stored');
  const res = await fhir.post('/Bundle', { ...collection, identifier: undefined, timestamp: undefined });
  t.equal(res.status, 201, 'a collection needs neither identifier nor timestamp');
});

t.test('fullUrl is unique within a bundle unless meta.versionId differs (bdl-7)', async (t) => {
  const entry = collection.entry!;
  const twice = { ...collection, entry: [entry[0], entry[1], { ...entry[1] }] };
  await refused(t, 'post', '/Bundle', twice, 'FHIR_ERR_BUNDLE_FULLURL_DUPLICATE', 'Bundle.entry[2].fullUrl');
  const res = await fhir.post('/Bundle', twice);
  t.match(res.body.issue[0].details.text, /fullUrl/, 'a Russian text too');
  t.not(res.body.issue[0].details.text, res.body.issue[0].diagnostics);
  const versioned = (v: string): BundleEntry => ({ ...entry[1], resource: { ...entry[1].resource!, meta: { versionId: v } } });
  t.equal((await fhir.post('/Bundle', { ...collection, entry: [versioned('1'), versioned('2')] })).status, 201,
    'the same fullUrl with different versions');
  await refused(t, 'post', '/Bundle', { ...collection, entry: [versioned('1'), versioned('1')] },
    'FHIR_ERR_BUNDLE_FULLURL_DUPLICATE', 'Bundle.entry[1].fullUrl');
  // history entries carry request and response (bdl-3, bdl-4)
  const historyEntry: BundleEntry = { ...entry[0], request: { method: 'PUT', url: 'Composition/c1' }, response: { status: '200' } };
  const history: Bundle = { resourceType: 'Bundle', type: 'history', entry: [historyEntry, { ...historyEntry }] };
  t.equal((await fhir.post('/Bundle', history)).status, 201, 'a history may repeat a fullUrl');
});
