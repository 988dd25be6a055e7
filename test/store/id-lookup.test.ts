/**
 * Reads by primary key take a fast path (no planner, no mingo re-check) outside and inside
 * transactions, filters compile once per distinct filter, and top-level exclusion projections
 * skip mingo. All must return exactly what mingo returns over the same documents.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { find } from 'mingo';
import t from 'tap';
import { exactIds } from '../../src/store/embedded/planner.ts';
import { filterKey } from '../../src/store/embedded/query-exec.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../src/store/embedded/store.ts';
import type { Document, Filter, FindOptions, SortSpec } from '../../src/store/types.ts';

let store: EmbeddedStore;
let dataDir: string;
t.before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'store-id-lookup-'));
  store = openEmbeddedStore(dataDir);
});
t.teardown(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** What mingo returns for the query over `docs` (projection after sort, skip and limit, as the engine does). */
function mingoFind(docs: Document[], filter: Filter, options: FindOptions): Document[] {
  // mingo's exclusion of a nested field deletes it from the input's nested object: work on a copy
  let out = find(structuredClone(docs), filter as never).all() as Document[];
  if (options.sort && Object.keys(options.sort).length > 0) out = find(out, {}).sort(options.sort).all() as Document[];
  if (options.skip) out = out.slice(options.skip);
  if (options.limit) out = out.slice(0, Math.abs(options.limit));
  if (options.projection && Object.keys(options.projection).length > 0) out = find(out, {}, options.projection as never).all() as Document[];
  return out;
}

const ids = ['a', 'b', '1', '2', '', 'Ё', 1, 2, 1.5, -0, 'zz'] as const;
const storedIds = ['a', 'b', '1', 2, 1.5, '', 'Ё', 0];
const docsOf = () => storedIds.map((id, i) => ({ _id: id, v: i, g: i % 2 === 0 ? 'x' : 'y', nested: { k: i }, list: [i, 'q'] }) as Document);

const id = fc.constantFrom(...ids);
const onlyIds = fc.oneof(
  id.map((v) => ({ _id: v })),
  id.map((v) => ({ _id: { $eq: v } })),
  fc.array(id, { maxLength: 5 }).map((v) => ({ _id: { $in: v } })),
);
// other conditions beside the ids: inside a transaction, the ids are read and the rest tested on them
const rest = fc.constantFrom<Filter>({ g: 'x' }, { v: { $gt: 2 } }, { 'nested.k': { $in: [1, 3, 100] } }, { $or: [{ g: 'y' }, { v: 100 }] }, { missing: { $exists: false } });
const idFilter = fc.oneof(onlyIds, fc.tuple(onlyIds, rest).map(([ids, other]) => ({ ...other, ...ids })));
const projection = fc.oneof(
  fc.constant(undefined),
  fc.subarray(['v', 'g', 'nested', '_id', 'missing']).map((keys) => Object.fromEntries(keys.map((k) => [k, 0 as const]))),
  fc.subarray(['v', 'nested', 'missing']).map((keys) => Object.fromEntries(keys.map((k) => [k, 1 as const]))),
);
// a total order: without a sort, several ids come back in the order the filter lists them (as before the fast path)
const sort: fc.Arbitrary<SortSpec> = fc.constantFrom<SortSpec>({ v: -1 }, { g: 1, v: -1 });
const findOptions: fc.Arbitrary<FindOptions> = fc.record(
  { sort, skip: fc.nat(2), limit: fc.integer({ min: -2, max: 3 }), projection },
  { requiredKeys: ['sort'] },
);
const byV = (docs: Document[]) => [...docs].sort((x, y) => (x.v as number) - (y.v as number));

t.test('exactIds recognises only _id equality with strings and numbers', async (t) => {
  t.same(exactIds({ _id: 'a' }), ['a']);
  t.same(exactIds({ _id: 3 }), [3]);
  t.same(exactIds({ _id: { $eq: 'a' } }), ['a']);
  t.same(exactIds({ _id: { $in: ['a', 1] } }), ['a', 1]);
  for (const f of [{ _id: null }, { _id: NaN }, { _id: true }, { _id: new Date(0) }, { _id: { a: 1 } }, { _id: ['a'] }, { _id: 'a', v: 1 },
    { _id: { $eq: 'a', $ne: 'b' } }, { _id: { $in: ['a', null] } }, { _id: { $in: 'a' } }, { _id: { $gt: 'a' } }, { _id: /a/ }, {}]) {
    t.equal(exactIds(f as Filter), null, JSON.stringify(f));
  }
});

t.test('reads by _id equal mingo, outside and inside a transaction', async (t) => {
  const c = store.collection('ids');
  const docs = docsOf();
  for (const d of docs) await c.insertOne(structuredClone(d));
  await fc.assert(
    fc.asyncProperty(idFilter, findOptions, async (filter, options) => {
      const expected = mingoFind(docs, filter, options);
      t.same(await c.find(filter, options).toArray(), expected);
      const one = await c.findOne(filter, options);
      t.same(one, mingoFind(docs, filter, { ...options, limit: 1 })[0] ?? null);
      const inside = await store.withTransaction((session) => c.find(filter, { ...options, session }).toArray());
      t.same(inside, expected);
      const all = byV(mingoFind(docs, filter, {}));
      t.same(byV(await c.find(filter).toArray()), all, 'unsorted: the same documents');
      t.same(byV(await store.withTransaction((session) => c.find(filter, { session }).toArray())), all);
    }),
    { numRuns: 150 },
  );
});

t.test('reads by _id inside a transaction see its own writes', async (t) => {
  const c = store.collection('ids_overlay');
  const docs = docsOf();
  for (const d of docs) await c.insertOne(structuredClone(d));
  await fc.assert(
    fc.asyncProperty(idFilter, findOptions, async (filter, options) => {
      const expected = docs.filter((d) => d._id !== 'b').map((d) => (d._id === 'a' ? { ...d, v: 100 } : d));
      expected.push({ _id: 'zz', v: 50, g: 'x' }, { _id: 1, v: 51, g: 'y' });
      const got = await store
        .withTransaction(async (session) => {
          await c.insertOne({ _id: 'zz', v: 50, g: 'x' }, { session });
          await c.insertOne({ _id: 1, v: 51, g: 'y' }, { session });
          await c.updateOne({ _id: 'a' }, { $set: { v: 100 } }, { session });
          await c.deleteOne({ _id: 'b' }, { session });
          const out = await c.find(filter, { ...options, session }).toArray();
          throw Object.assign(new Error('roll back'), { out });
        })
        .catch((e: { out?: Document[] }) => e.out);
      // committed documents first, then the transaction's writes in the order it made them
      const committed = expected.filter((d) => !['a', 'zz', 1].includes(d._id as string));
      const written = expected.filter((d) => ['zz', 1, 'a'].includes(d._id as string));
      written.sort((x, y) => ['zz', 1, 'a'].indexOf(x._id as string) - ['zz', 1, 'a'].indexOf(y._id as string));
      t.same(got, mingoFind([...committed, ...written], filter, options));
    }),
    { numRuns: 100 },
  );
  t.equal(await c.findOne({ _id: 'zz' }), null, 'rolled back');
});

t.test('missing, deleted and other-typed ids', async (t) => {
  const c = store.collection('ids_edge');
  await c.insertOne({ _id: '7', v: 'string' });
  await c.insertOne({ _id: 7, v: 'number' });
  await c.insertOne({ _id: 'gone', v: 1 });
  await c.deleteOne({ _id: 'gone' });
  t.equal(await c.findOne({ _id: 'nope' }), null);
  t.equal(await c.findOne({ _id: 'gone' }), null);
  t.same(await c.find({ _id: { $in: ['gone', 'nope'] } }).toArray(), []);
  t.same(await c.findOne({ _id: 7 }), { _id: 7, v: 'number' });
  t.same(await c.findOne({ _id: '7' }), { _id: '7', v: 'string' });
  t.same(await c.findOne({ _id: { $eq: 7 } }, { projection: { v: 0 } }), { _id: 7 });
  t.same(await c.findOne({ _id: '7' }, { projection: { _id: 0 } }), { v: 'string' });
  t.same(await c.findOne({ _id: '7' }, { projection: { v: 1 } }), { _id: '7', v: 'string' });
  t.same(await c.find({ _id: { $in: [7, '7', 7.0] } }).toArray(), [{ _id: 7, v: 'number' }, { _id: '7', v: 'string' }]);
  const inTxn = await store.withTransaction(async (session) => [
    await c.findOne({ _id: 'gone' }, { session }),
    await c.findOne({ _id: 7 }, { session }),
  ]);
  t.same(inTxn, [null, { _id: 7, v: 'number' }]);
  const a = await c.findOne({ _id: '7' });
  a!.v = 'changed';
  t.equal((await c.findOne({ _id: '7' }))?.v, 'string', 'each read returns its own copy');
});

t.test('a transaction that found an id absent conflicts with its concurrent insert (phantom)', async (t) => {
  const c = store.collection('ids_phantom');
  let runs = 0;
  const result = await store.withTransaction(async (session) => {
    runs++;
    const before = await c.findOne({ _id: 'p' }, { session });
    if (runs === 1) await c.insertOne({ _id: 'p', by: 'other' }); // commits outside this transaction
    if (before) return `saw ${before.by as string}`;
    await c.insertOne({ _id: 'marker', by: 'txn' }, { session });
    return 'absent';
  });
  t.equal(runs, 2, 'the first attempt conflicted');
  t.equal(result, 'saw other');
  t.equal(await c.findOne({ _id: 'marker' }), null, 'the conflicted attempt wrote nothing');

  await c.insertOne({ _id: 'q', v: 1 });
  let attempts = 0;
  await store.withTransaction(async (session) => {
    attempts++;
    const doc = await c.findOne({ _id: { $in: ['q'] } }, { session });
    if (attempts === 1) await c.updateOne({ _id: 'q' }, { $set: { v: 5 } });
    await c.updateOne({ _id: 'q' }, { $set: { v: (doc!.v as number) * 10 } }, { session });
  });
  t.equal(attempts, 2);
  t.equal((await c.findOne({ _id: 'q' }))?.v, 50, 'the retry read the committed change');

  await c.insertOne({ _id: 'r', status: 'pending' });
  let tries = 0;
  const settled = await store.withTransaction(async (session) => {
    tries++;
    const pending = await c.find({ _id: 'r', status: 'pending' }, { session }).toArray();
    if (tries === 1) await c.updateOne({ _id: 'r' }, { $set: { status: 'delivered' } }); // another process settled it
    if (pending.length === 0) return 'already settled';
    await c.updateOne({ _id: 'r', status: 'pending' }, { $set: { status: 'failed' } }, { session });
    return 'settled here';
  });
  t.equal(tries, 2, 'an id read with other conditions conflicts with a change to that document');
  t.equal(settled, 'already settled');
  t.equal((await c.findOne({ _id: 'r' }))?.status, 'delivered', 'the other settlement stands');
});

t.test('compiled filters are reused only for the same filter data', async (t) => {
  const c = store.collection('filters');
  for (let i = 0; i < 6; i++) await c.insertOne({ _id: `d${i}`, n: i, s: `v${i}`, at: new Date(i * 1000) });
  const ids = async (filter: Filter) => (await c.find(filter, { sort: { n: 1 } }).toArray()).map((d) => d._id);
  t.same(await ids({ n: { $gte: 4 } }), ['d4', 'd5']);
  t.same(await ids({ n: { $gte: 2 } }), ['d2', 'd3', 'd4', 'd5']);
  const filter = { n: { $lt: 2 } };
  t.same(await ids(filter), ['d0', 'd1']);
  filter.n.$lt = 3;
  t.same(await ids(filter), ['d0', 'd1', 'd2'], 'a changed filter object is a different filter');
  t.same(await ids({ at: { $gte: new Date(4000) } }), ['d4', 'd5']);
  t.same(await ids({ at: { $gte: new Date(5000) } }), ['d5']);
  const g = /v[12]/g;
  t.same(await ids({ s: g }), ['d1', 'd2']);
  t.same(await ids({ s: g }), ['d1', 'd2'], 'a global regular expression is not reused');
  t.same(await ids({ s: /V[12]/i }), ['d1', 'd2']);
  t.same(await ids({ s: /V[12]/ }), []);

  t.not(filterKey({ a: NaN }), filterKey({ a: null }));
  t.not(filterKey({ a: -0 }), filterKey({ a: 0 }));
  t.not(filterKey({ a: new Date(0) }), filterKey({ a: new Date(0).toISOString() }));
  t.not(filterKey({ a: '1' }), filterKey({ a: 1 }));
  t.not(filterKey({ a: [1, 2] }), filterKey({ a: '[1,2]' }));
  t.not(filterKey({ a: /x/i }), filterKey({ a: /x/ }));
  t.not(filterKey({ a: { b: 1 } }), filterKey({ 'a.b': 1 }));
  t.equal(filterKey({ $where: 'true' } as Filter), null);
  t.equal(filterKey({ $expr: { $gt: ['$a', 1] } }), null);
  t.equal(filterKey({ a: /x/g }), null);
  t.equal(filterKey({ a: Buffer.from('x') }), null);
  t.equal(filterKey({ a: () => true }), null);
});

t.test('top-level exclusion projections equal mingo', async (t) => {
  const c = store.collection('projections');
  const docs = docsOf();
  for (const d of docs) await c.insertOne(structuredClone(d));
  const field = fc.constantFrom('_id', 'v', 'g', 'nested', 'list', 'missing', 'nested.k', '0');
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(field, { maxLength: 4 }), fc.boolean(), async (keys, asFalse) => {
      const projection = Object.fromEntries(keys.map((k) => [k, asFalse ? false : 0])) as never;
      let expected: Document[];
      try {
        expected = mingoFind(docs, { g: 'x' }, { sort: { v: 1 }, projection });
      } catch {
        await t.rejects(c.find({ g: 'x' }, { sort: { v: 1 }, projection }).toArray(), 'mingo refuses it too');
        return;
      }
      const got = await c.find({ g: 'x' }, { sort: { v: 1 }, projection }).toArray();
      t.same(got, expected);
      t.same(got.map((d) => Object.keys(d)), expected.map((d) => Object.keys(d)), 'same key order');
    }),
    { numRuns: 60 },
  );
});
