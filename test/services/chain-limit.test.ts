/** The bound on an inner search of a chain or _has, over a real embedded store. */
import t from 'tap';
import { parseSearch } from '../../src/search/index.js';
import { MAX_CHAIN_MATCHES, resolveChains } from '../../src/services/search/chains.js';
import type { CurrentDocument } from '../../src/services/stored-document.js';
import { openTempStore } from '../support/temp-store.js';

const store = await openTempStore(t, 'chain-limit');

/** A stored Observation about Patient/p1, as far as search reads it. */
function observationDoc(id: string): CurrentDocument {
  return {
    _id: id, versionId: 1, lastUpdated: new Date(), deleted: false, json: '{}',
    idx: { token: [{ p: 'status', c: 'final' }], reference: [{ p: 'patient', r: 'Patient/p1' }] },
  };
}

async function addObservations(from: number, to: number): Promise<void> {
  const docs = [];
  for (let i = from; i < to; i++) docs.push({ insertOne: { document: observationDoc(`o${i}`) } });
  await store.collection<CurrentDocument>('Observation').bulkWrite(docs);
}

await store.collection<CurrentDocument>('Patient').insertOne({
  _id: 'p1', versionId: 1, lastUpdated: new Date(), deleted: false, json: '{}', idx: {},
});
const resolve = () => resolveChains(store, parseSearch('Patient', new URLSearchParams('_has:Observation:patient:status=final')));

t.test('an inner search may match up to the limit', async (t) => {
  await addObservations(0, MAX_CHAIN_MATCHES);
  t.same((await resolve()).clauses, [{ param: '_id', type: 'token', values: [{ kind: 'token', code: 'p1' }] }]);
});

t.test('one match more is a 400 that states the limit', async (t) => {
  await addObservations(MAX_CHAIN_MATCHES, MAX_CHAIN_MATCHES + 1);
  await t.rejects(resolve(), {
    code: 'FHIR_ERR_CHAIN_TOO_BROAD',
    status: 400,
    message: `The chained search _has:Observation:patient:status is too broad: its inner search matches more than ${MAX_CHAIN_MATCHES} Observation resources (the limit for a chain or _has); narrow it`,
  });
});
