/**
 * The storage contract, written once and run against every engine.
 * `open()` returns a store over the same persistent data each time it is called.
 */
import type { Test } from 'tap';
import { type Document, type Store, isDuplicateKeyError } from '../../src/store/types.ts';

export interface EngineFactory {
  open(): Promise<Store>;
}

type TapTest = Test;

export function contractSuite(t: TapTest, engine: EngineFactory): void {
  let store: Store;
  let n = 0;
  // every subtest gets fresh collections, so engines that share a database stay isolated
  const name = (base: string) => `${base}_${process.pid}_${Date.now()}_${n++}`;

  t.before(async () => {
    store = await engine.open();
  });
  t.teardown(async () => {
    await store.close();
  });

  t.test('insertOne, findOne, duplicate _id', async (t) => {
    const c = store.collection(name('crud'));
    const res = await c.insertOne({ _id: 'a', v: 1, when: new Date('2024-01-02T03:04:05Z') });
    t.equal(res.insertedId, 'a');
    const got = await c.findOne({ _id: 'a' });
    t.same(got, { _id: 'a', v: 1, when: new Date('2024-01-02T03:04:05Z') });
    t.ok(got?.when instanceof Date, 'dates come back as Dates');
    const err = await c.insertOne({ _id: 'a', v: 2 }).catch((e: unknown) => e);
    t.ok(isDuplicateKeyError(err), 'duplicate _id throws code 11000');
    t.equal((await c.findOne({ _id: 'a' }))?.v, 1, 'original kept');
    const gen = { v: 3 } as Document;
    const { insertedId } = await c.insertOne(gen);
    t.ok(insertedId !== undefined && insertedId !== null, 'an _id is generated');
    t.equal(gen._id, insertedId, 'generated _id is set on the inserted object');
    t.equal(await c.findOne({ _id: 'missing' }), null);
  });

  t.test('replaceOne, updateOne, upsert, deleteOne', async (t) => {
    const c = store.collection(name('upd'));
    await c.insertOne({ _id: 'a', v: 1, tags: ['x'] });
    t.match(await c.replaceOne({ _id: 'a' }, { v: 10 }), { matchedCount: 1, modifiedCount: 1 });
    t.same(await c.findOne({ _id: 'a' }), { _id: 'a', v: 10 });
    t.match(await c.updateOne({ _id: 'a' }, { $inc: { v: 5 }, $push: { tags: 'y' } }), { matchedCount: 1, modifiedCount: 1 });
    t.same(await c.findOne({ _id: 'a' }), { _id: 'a', v: 15, tags: ['y'] });
    t.match(await c.updateOne({ _id: 'a' }, { $unset: { tags: '' } }), { modifiedCount: 1 });
    t.same(await c.findOne({ _id: 'a' }), { _id: 'a', v: 15 });
    t.match(await c.updateOne({ _id: 'nope' }, { $set: { v: 1 } }), { matchedCount: 0, upsertedCount: 0 });
    const up = await c.updateOne({ _id: 'b', kind: 'k' }, { $set: { v: 7 }, $setOnInsert: { created: true } }, { upsert: true });
    t.match(up, { matchedCount: 0, upsertedCount: 1, upsertedId: 'b' });
    t.same(await c.findOne({ _id: 'b' }), { _id: 'b', kind: 'k', v: 7, created: true });
    await c.updateOne({ _id: 'b' }, { $set: { v: 8 }, $setOnInsert: { created: false } }, { upsert: true });
    t.same(await c.findOne({ _id: 'b' }), { _id: 'b', kind: 'k', v: 8, created: true }, '$setOnInsert only on insert');
    const rup = await c.replaceOne({ _id: 'c' }, { v: 1 }, { upsert: true });
    t.match(rup, { upsertedCount: 1, upsertedId: 'c' });
    t.same(await c.findOne({ _id: 'c' }), { _id: 'c', v: 1 });
    t.same(await c.deleteOne({ _id: 'c' }), { deletedCount: 1 });
    t.same(await c.deleteOne({ _id: 'c' }), { deletedCount: 0 });
    t.equal(await c.countDocuments({}), 2);
  });

  t.test('find with sort, skip, limit, projection; countDocuments', async (t) => {
    const c = store.collection(name('find'));
    for (let i = 0; i < 20; i++) {
      await c.insertOne({ _id: `d${String(i).padStart(2, '0')}`, n: i % 5, s: `v${19 - i}`, nested: { k: i } });
    }
    const docs = await c.find({ n: { $gte: 3 } }, { sort: { n: -1, _id: 1 }, skip: 1, limit: 3 }).toArray();
    t.same(docs.map((d) => d._id), ['d09', 'd14', 'd19']);
    const proj = await c.find({ _id: 'd01' }, { projection: { s: 1 } }).toArray();
    t.same(proj, [{ _id: 'd01', s: 'v18' }]);
    const excl = await c.find({ 'nested.k': 2 }, { projection: { nested: 0, s: 0 } }).toArray();
    t.same(excl, [{ _id: 'd02', n: 2 }]);
    t.same(await c.findOne({ _id: 'd03' }, { projection: { nested: 0, s: 0 } }), { _id: 'd03', n: 3 }, 'by id, excluding');
    t.same(await c.findOne({ _id: 'd03' }, { projection: { nested: 0, missing: 0 } }), { _id: 'd03', n: 3, s: 'v16' });
    t.same(await c.findOne({ _id: 'd03' }), { _id: 'd03', n: 3, s: 'v16', nested: { k: 3 } }, 'the same document read whole');
    t.equal(await c.countDocuments({ n: 0 }), 4);
    t.equal(await c.countDocuments(), 20);
    t.same(await c.findOne({ n: 4 }, { sort: { _id: -1 } }), { _id: 'd19', n: 4, s: 'v0', nested: { k: 19 } });
  });

  t.test('findOneAndUpdate with sort, returnDocument, upsert', async (t) => {
    const c = store.collection(name('fau'));
    await c.insertOne({ _id: 'o1', due: 3, state: 'ready' });
    await c.insertOne({ _id: 'o2', due: 1, state: 'ready' });
    await c.insertOne({ _id: 'o3', due: 2, state: 'done' });
    const before = await c.findOneAndUpdate({ state: 'ready' }, { $set: { state: 'leased' } }, { sort: { due: 1 } });
    t.same(before, { _id: 'o2', due: 1, state: 'ready' }, 'returns the document before by default');
    const after = await c.findOneAndUpdate(
      { state: 'ready' },
      { $set: { state: 'leased' } },
      { sort: { due: 1 }, returnDocument: 'after', projection: { state: 1 } },
    );
    t.same(after, { _id: 'o1', state: 'leased' });
    t.equal(await c.findOneAndUpdate({ state: 'ready' }, { $set: { state: 'x' } }), null);
    const up = await c.findOneAndUpdate({ _id: 'o9' }, { $set: { state: 'new' } }, { upsert: true, returnDocument: 'after' });
    t.same(up, { _id: 'o9', state: 'new' });
  });

  t.test('concurrent findOneAndUpdate leases each item once', async (t) => {
    const c = store.collection(name('lease'));
    for (let i = 0; i < 10; i++) await c.insertOne({ _id: `i${i}`, state: 'ready', due: i });
    const claims = await Promise.all(
      Array.from({ length: 15 }, () => c.findOneAndUpdate({ state: 'ready' }, { $set: { state: 'leased' } }, { sort: { due: 1 } })),
    );
    const ids = claims.filter((d) => d !== null).map((d) => d!._id);
    t.equal(ids.length, 10);
    t.equal(new Set(ids).size, 10, 'no item leased twice');
  });

  t.test('bulkWrite', async (t) => {
    const c = store.collection(name('bulk'));
    await c.insertOne({ _id: 'x', v: 0 });
    const res = await c.bulkWrite([
      { insertOne: { document: { _id: 'a', v: 1 } } },
      { updateOne: { filter: { _id: 'x' }, update: { $inc: { v: 1 } } } },
      { replaceOne: { filter: { _id: 'r' }, replacement: { v: 9 }, upsert: true } },
      { deleteOne: { filter: { _id: 'a' } } },
    ]);
    t.match(res, { insertedCount: 1, matchedCount: 1, modifiedCount: 1, deletedCount: 1, upsertedCount: 1 });
    t.same((await c.find({}, { sort: { _id: 1 } }).toArray()).map((d) => [d._id, d.v]), [['r', 9], ['x', 1]]);
    const err = await c
      .bulkWrite([{ insertOne: { document: { _id: 'b', v: 1 } } }, { insertOne: { document: { _id: 'x', v: 2 } } }, { insertOne: { document: { _id: 'c' } } }])
      .catch((e: unknown) => e);
    t.ok(isDuplicateKeyError(err), 'ordered bulk stops with 11000');
    t.ok(await c.findOne({ _id: 'b' }), 'operations before the failure are applied');
    t.equal(await c.findOne({ _id: 'c' }), null, 'operations after the failure are not');
  });

  t.test('bulkWrite in a transaction: inserts, then other operations, a duplicate stopping it', async (t) => {
    const c = store.collection(name('bulk-session'));
    await c.insertOne({ _id: 'x', v: 0 });
    const inserted = { _id: 'a', v: 1, nested: { k: [1] } };
    const res = await store.withTransaction(async (session) => {
      const written = await c.bulkWrite([
        { insertOne: { document: inserted } },
        { insertOne: { document: { _id: 'b', v: 2 } } },
        { updateOne: { filter: { _id: 'a' }, update: { $inc: { v: 10 } } } },
        { insertOne: { document: { _id: 'c', v: 3 } } },
      ], { session });
      t.same((await c.find({}, { session, sort: { _id: 1 } }).toArray()).map((d) => [d._id, d.v]), [['a', 11], ['b', 2], ['c', 3], ['x', 0]], 'the transaction reads its writes');
      return written;
    });
    t.match(res, { insertedCount: 3, matchedCount: 1, modifiedCount: 1 });
    inserted.nested.k.push(2);
    t.same(await c.findOne({ _id: 'a' }), { _id: 'a', v: 11, nested: { k: [1] } }, 'the stored document does not change with the caller\'s object');
    const err = await store.withTransaction(async (session) => {
      await c.bulkWrite([{ insertOne: { document: { _id: 'd' } } }, { insertOne: { document: { _id: 'x' } } }, { insertOne: { document: { _id: 'e' } } }], { session });
    }).catch((e: unknown) => e);
    t.ok(isDuplicateKeyError(err), 'a duplicate _id fails with 11000');
    t.match((err as { result?: unknown }).result, { insertedCount: 1 }, 'the result counts what came before it');
    t.equal(await c.findOne({ _id: 'd' }), null, 'the failed transaction wrote nothing');
  });

  t.test('unique index', async (t) => {
    const c = store.collection(name('uniq'));
    await c.insertOne({ _id: 1, email: 'a@x' });
    await c.insertOne({ _id: 2, email: 'a@x' });
    const buildErr = await c.createIndex({ email: 1 }, { unique: true }).catch((e: unknown) => e);
    t.ok(isDuplicateKeyError(buildErr), 'building a unique index over duplicates fails with 11000');
    await c.deleteOne({ _id: 2 });
    const nameA = await c.createIndex({ email: 1 }, { unique: true });
    t.equal(await c.createIndex({ email: 1 }, { unique: true }), nameA, 'createIndex is idempotent');
    const err = await c.insertOne({ _id: 3, email: 'a@x' }).catch((e: unknown) => e);
    t.ok(isDuplicateKeyError(err));
    await c.insertOne({ _id: 3, email: 'b@x' });
    const upErr = await c.updateOne({ _id: 3 }, { $set: { email: 'a@x' } }).catch((e: unknown) => e);
    t.ok(isDuplicateKeyError(upErr), 'update into a duplicate fails');
    t.equal((await c.findOne({ _id: 3 }))?.email, 'b@x');
    await c.updateOne({ _id: 1 }, { $set: { email: 'c@x' } });
    await c.updateOne({ _id: 3 }, { $set: { email: 'a@x' } });
    t.equal(await c.countDocuments({ email: 'a@x' }), 1);
  });

  t.test('transaction: error in work rolls everything back', async (t) => {
    const c = store.collection(name('txabort'));
    await c.insertOne({ _id: 'keep', v: 1 });
    const boom = new Error('boom');
    const err = await store
      .withTransaction(async (session) => {
        await c.insertOne({ _id: 'new', v: 1 }, { session });
        await c.updateOne({ _id: 'keep' }, { $set: { v: 2 } }, { session });
        throw boom;
      })
      .catch((e: unknown) => e);
    t.equal(err, boom, 'the error propagates unchanged');
    t.equal(await c.findOne({ _id: 'new' }), null);
    t.equal((await c.findOne({ _id: 'keep' }))?.v, 1);
  });

  t.test('transaction with deferred durability: committed and visible on return, then flushed', async (t) => {
    const c = store.collection(name('txdefer'));
    const results = await Promise.all([1, 2, 3].map((v) =>
      store.withTransaction(async (session) => {
        await c.insertOne({ _id: `d${v}`, v }, { session });
        return v;
      }, { deferDurability: true })));
    t.same(results, [1, 2, 3]);
    t.same((await c.find({}, { sort: { v: 1 } }).toArray()).map((d) => d._id), ['d1', 'd2', 'd3'], 'visible before any flush');
    await store.flush();
    t.equal(await c.countDocuments({}), 3);
  });

  t.test('transaction: read-your-writes, then commit', async (t) => {
    const c = store.collection(name('txryw'));
    await c.insertOne({ _id: 'a', v: 1, g: 'x' });
    await c.insertOne({ _id: 'b', v: 2, g: 'x' });
    const seen = await store.withTransaction(async (session) => {
      await c.insertOne({ _id: 'c', v: 3, g: 'x' }, { session });
      await c.updateOne({ _id: 'a' }, { $set: { v: 10 } }, { session });
      await c.deleteOne({ _id: 'b' }, { session });
      const inside = await c.find({ g: 'x' }, { session, sort: { v: -1 } }).toArray();
      const count = await c.countDocuments({ g: 'x' }, { session });
      const outside = await c.findOne({ _id: 'c' });
      return { ids: inside.map((d) => d._id), count, outside };
    });
    t.same(seen, { ids: ['a', 'c'], count: 2, outside: null });
    t.same((await c.find({ g: 'x' }, { sort: { _id: 1 } }).toArray()).map((d) => [d._id, d.v]), [['a', 10], ['c', 3]]);
    const dup = await store
      .withTransaction(async (session) => {
        await c.insertOne({ _id: 'a' }, { session });
      })
      .catch((e: unknown) => e);
    t.ok(isDuplicateKeyError(dup), 'duplicate _id inside a transaction throws 11000');
  });

  t.test('transaction: concurrent counter increments are exact', async (t) => {
    const c = store.collection(name('txcount'));
    await c.insertOne({ _id: 'n', v: 0 });
    const worker = async () => {
      for (let i = 0; i < 100; i++) {
        await store.withTransaction(async (session) => {
          const doc = await c.findOne({ _id: 'n' }, { session });
          await c.updateOne({ _id: 'n' }, { $set: { v: (doc!.v as number) + 1 } }, { session });
        });
      }
    };
    await Promise.all([worker(), worker()]);
    t.equal((await c.findOne({ _id: 'n' }))?.v, 200);
  });

  t.test('transaction: concurrent insert of the same _id has one winner', async (t) => {
    const c = store.collection(name('txlock'));
    const attempt = (who: string) =>
      store.withTransaction(async (session) => {
        const existing = await c.findOne({ _id: 'lock' }, { session });
        if (existing) return `saw ${existing.owner as string}`;
        await c.insertOne({ _id: 'lock', owner: who }, { session });
        return 'won';
      });
    const outcomes = await Promise.all([attempt('A'), attempt('B')]);
    t.equal(outcomes.filter((o) => o === 'won').length, 1, 'exactly one commits the insert');
    const owner = (await c.findOne({ _id: 'lock' }))?.owner;
    t.ok(outcomes.includes(`saw ${owner as string}`), 'the loser sees the winner on retry');
  });

  t.test('transaction: conditional create by filter is serialisable', async (t) => {
    const c = store.collection(name('txcond'));
    const create = (id: string) =>
      store.withTransaction(async (session) => {
        if ((await c.countDocuments({ ident: 'X' }, { session })) > 0) return false;
        await c.insertOne({ _id: id, ident: 'X' }, { session });
        return true;
      });
    const results = await Promise.all([create('p1'), create('p2'), create('p3')]);
    t.equal(results.filter(Boolean).length, 1);
    t.equal(await c.countDocuments({ ident: 'X' }), 1);
  });

  t.test('data and indexes persist across reopen', async (t) => {
    const collName = name('persist');
    const c = store.collection(collName);
    await c.createIndex({ code: 1 }, { unique: true });
    await c.insertOne({ _id: 'p', code: 'A', at: new Date(1000) });
    await store.close();
    store = await engine.open();
    const again = store.collection(collName);
    t.same(await again.findOne({ code: 'A' }), { _id: 'p', code: 'A', at: new Date(1000) });
    const err = await again.insertOne({ _id: 'q', code: 'A' }).catch((e: unknown) => e);
    t.ok(isDuplicateKeyError(err), 'the unique index is remembered');
  });
}
