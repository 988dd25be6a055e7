/**
 * $reindex against a write that lands between a batch's read and its write-back, over a real
 * embedded store: the write is made at exactly that moment (by wrapping the collection's find),
 * so the outcome does not depend on timing.
 */
import type { Patient } from 'fhir/r4.js';
import t from 'tap';
import { reindexType } from '../../src/services/reindex.js';
import { Repository } from '../../src/services/repository.js';
import { SearchParameterRegistry } from '../../src/services/search-parameter-registry.js';
import type { CurrentDocument } from '../../src/services/stored-document.js';
import type { Store } from '../../src/store/types.js';
import { openTempStore } from '../support/temp-store.js';

const store = await openTempStore(t, 'reindex');
const repository = new Repository(store);
const REGION = 'urn:test:region';

function patientIn(region: string, id?: string): Patient {
  return { resourceType: 'Patient', ...(id ? { id } : {}), extension: [{ url: REGION, valueCode: region }] };
}

async function regionEntries(id: string): Promise<unknown[]> {
  const doc = await store.collection<CurrentDocument>('Patient').findOne({ _id: id });
  return (doc?.idx.token ?? []).filter((e) => e.p === 'region').map((e) => e.c);
}

/**
 * The store, with `interleave` run once right after the first read of documents by id (a
 * batch's read), before anything is written back.
 */
function withWriteAfterBatchRead(interleave: () => Promise<unknown>): Store {
  let pending = true;
  const collection = (name: string) => {
    const real = store.collection(name);
    const find: typeof real.find = (filter, options) => {
      const cursor = real.find(filter, options);
      if (!pending || !('_id' in filter)) return cursor;
      pending = false;
      return {
        toArray: async () => {
          const docs = await cursor.toArray();
          await interleave();
          return docs;
        },
      };
    };
    return Object.assign(Object.create(real) as typeof real, { find });
  };
  return Object.assign(Object.create(store) as Store, { collection });
}

t.test('a write between a batch read and its commit is kept, and indexed by its own version', async (t) => {
  const written = (await repository.create(patientIn('10'), 'Patient')).version;
  await repository.create({
    resourceType: 'SearchParameter', url: 'urn:test:sp/region', name: 'region', status: 'active', description: 'region',
    code: 'region', base: ['Patient'], type: 'token', expression: `Patient.extension.where(url = '${REGION}').value`,
  }, 'SearchParameter');
  await new SearchParameterRegistry(store).refresh();
  t.same(await regionEntries(written.id), [], 'written before the parameter: not indexed by it');

  const racing = withWriteAfterBatchRead(() => repository.update('Patient', written.id, patientIn('11', written.id)));
  t.equal(await reindexType(racing, 'Patient'), 1);

  const doc = await store.collection<CurrentDocument>('Patient').findOne({ _id: written.id });
  t.equal(doc!.versionId, 2, 'the concurrent update is kept');
  t.match(JSON.parse(doc!.json!), { extension: [{ valueCode: '11' }] });
  t.same(await regionEntries(written.id), ['11'], 'the index is that of the version now stored');
});

t.test('batches: every live document once, tombstones skipped, json/versionId/lastUpdated kept', async (t) => {
  const ids: string[] = [];
  for (let i = 0; i < 450; i++) ids.push((await repository.create(patientIn(String(i % 3)), 'Patient')).version.id);
  await repository.delete('Patient', ids[5]);
  const collection = store.collection<CurrentDocument>('Patient');
  const before = new Map((await collection.find({}).toArray()).map((d) => [d._id, d]));
  await collection.bulkWrite(ids.map((id) => ({ updateOne: { filter: { _id: id }, update: { $set: { idx: {}, sk: {} } } } })));

  t.equal(await reindexType(store, 'Patient'), 450 - 1 + 1, 'the 449 left and the earlier one');
  for (const doc of await collection.find({}).toArray()) {
    const old = before.get(doc._id)!;
    t.same([doc.json, doc.versionId, doc.lastUpdated, doc.deleted], [old.json, old.versionId, old.lastUpdated, old.deleted]);
    t.same(doc.idx, old.idx, `${doc._id}: the same index as at its write`);
  }
});
