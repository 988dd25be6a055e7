/**
 * The embedded engine, with indexes, must return exactly what mingo's own full
 * scan returns over the same documents, for random documents, filters, sort,
 * skip and limit — including after index builds over existing data, updates and deletes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { find } from 'mingo';
import t from 'tap';
import { sortPlanTuning } from '../../src/store/embedded/query-exec.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../../src/store/embedded/store.ts';
import type { Document, Filter, SortSpec } from '../../src/store/types.ts';

const dates = [0, 1, 2, 3].map((d) => new Date(Date.UTC(2024, 0, 1 + d)));
// the last four: UTF-8 and UTF-16 orders differ for the first two; the long ones are truncated in keys
const long = 'x'.repeat(254);
const str = fc.constantFrom('a', 'b', 'ab', 'ba', '', 'code', 'Ё', '\uFB00', '😀', `${long}é`, `${long}a`);
const num = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -3, max: 3, noNaN: true }));
const date = fc.constantFrom(...dates);
const scalar = fc.oneof(str, num, date, fc.boolean(), fc.constant(null));
const rangeScalar = fc.oneof(str, fc.integer({ min: -3, max: 3 }), date);
// Arrays hold one type: for arrays mixing types (and null) mingo's sort is not a total order, so the
// order of two documents can depend on the other documents sorted with them and no oracle exists.
const sameTypeArray = fc.oneof(...[str, num, date, fc.boolean()].map((a) => fc.array(a as fc.Arbitrary<unknown>, { maxLength: 3 })));
const valueOrArray = fc.oneof(scalar, sameTypeArray);

const idxEntry = fc.record(
  { p: fc.constantFrom('code', 'date'), s: fc.constantFrom('x', 'y'), c: fc.oneof(str, num, fc.constant(null)), lo: date, hi: date },
  { requiredKeys: [] },
);
const docBody = fc.record(
  {
    a: valueOrArray,
    n: fc.oneof(num, date, fc.constant(null)),
    b: fc.oneof(
      fc.record({ c: valueOrArray }, { requiredKeys: [] }),
      ...[str, num, date].map((c) => fc.array(fc.record({ c: c as fc.Arbitrary<unknown> }, { requiredKeys: [] }), { maxLength: 2 })),
    ),
    // mostly arrays of entries; sometimes a single entry, which index keys expand but $elemMatch does not match
    idx: fc.oneof({ weight: 8, arbitrary: fc.array(idxEntry, { maxLength: 4 }) }, { weight: 1, arbitrary: idxEntry }),
    g: fc.oneof(fc.constantFrom('x', 'y'), fc.constant(null), fc.array(fc.constantFrom('x', 'y'), { maxLength: 2 })),
    t: fc.oneof(date, date, fc.constant(null)),
  },
  { requiredKeys: [] },
);

const cond = (value: fc.Arbitrary<unknown>) =>
  fc.oneof(
    value,
    value.map(($eq) => ({ $eq })),
    fc.array(value, { maxLength: 3 }).map(($in) => ({ $in })),
    fc.record({ op: fc.constantFrom('$gt', '$gte', '$lt', '$lte'), v: rangeScalar }).map(({ op, v }) => ({ [op]: v })),
    fc.tuple(rangeScalar, rangeScalar).map(([lo, hi]) => ({ $gte: lo, $lt: hi })),
    value.map(($ne) => ({ $ne })),
    fc.boolean().map(($exists) => ({ $exists })),
  );

const paths = ['a', 'n', 'b.c', 'idx.p', 'idx.c', 'idx.lo', '_id', 'g', 't'];
const atom: fc.Arbitrary<Filter> = fc.oneof(
  fc.tuple(fc.constantFrom(...paths), cond(scalar)).map(([p, c]) => ({ [p]: p === '_id' ? idOf(c) : c })),
  fc
    .record(
      { p: cond(fc.constantFrom('code', 'date')), s: fc.constantFrom('x', 'y'), c: cond(scalar), lo: cond(date), hi: cond(date) },
      { requiredKeys: [] },
    )
    .map((sub) => ({ idx: { $elemMatch: sub } })),
  // conditions on two fields of the same array may hold in different elements
  fc
    .tuple(cond(fc.constantFrom('code', 'date')), fc.constantFrom('idx.lo', 'idx.hi', 'idx.c'), cond(fc.oneof(date, str)))
    .map(([p, path, c]) => ({ 'idx.p': p, [path]: c })),
  // keyset continuation of a page sorted by (t or n, _id)
  fc
    .tuple(fc.constantFrom('t', 'n'), fc.oneof(date, num), fc.nat(30), fc.constantFrom('$lt', '$gt'))
    .map(([f, v, id, op]) => ({ $or: [{ [f]: { [op]: v } }, { [f]: v, _id: { [op]: `d${id}` } }] })),
);
const filterArb: fc.Arbitrary<Filter> = fc.oneof(
  atom,
  fc.tuple(atom, atom).map(([x, y]) => ({ $and: [x, y] })),
  fc.tuple(atom, atom).map(([x, y]) => ({ $or: [x, y] })),
  fc.tuple(atom, atom).map(([x, y]) => ({ ...y, ...x })),
);

/** _id conditions use the ids documents actually have. */
function idOf(c: unknown): unknown {
  const pick = (v: unknown) => (typeof v === 'number' ? `d${Math.abs(Math.trunc(v))}` : v);
  if (c && typeof c === 'object' && !(c instanceof Date)) {
    return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Array.isArray(v) ? v.map(pick) : pick(v)]));
  }
  return pick(c);
}

const dir = fc.constantFrom(1, -1) as fc.Arbitrary<1 | -1>;
/** Up to two sort fields, then `_id` so that the order is total. */
const sortArb: fc.Arbitrary<SortSpec> = fc
  .tuple(fc.shuffledSubarray(['g', 't', 'n', 'a', 'b.c'], { maxLength: 2 }), fc.array(dir, { minLength: 3, maxLength: 3 }))
  .map(([fields, dirs]) => Object.fromEntries([...fields.map((f, i) => [f, dirs[i]]), ['_id', dirs[2]]]));
const queryArb = fc.record({ filter: filterArb, sort: sortArb, skip: fc.nat(3), limit: fc.nat(5) });

const INDEXES: SortSpec[] = [
  { a: 1 },
  { n: -1 },
  { 'b.c': 1 },
  { 'idx.p': 1, 'idx.s': 1, 'idx.c': 1 },
  { 'idx.p': 1, 'idx.lo': 1 },
  { 'idx.p': 1, 'idx.hi': 1 },
  { t: -1, _id: -1 },
  { g: 1, t: -1, _id: -1 },
  { g: 1, n: 1 },
];

interface Stage {
  stage: string;
  indexName?: string;
  inputStage?: Stage;
  inputStages?: Stage[];
  sortedByIndex?: boolean;
}

interface Explained {
  queryPlanner: { winningPlan: Stage };
  executionStats: { totalDocsExamined: number; totalKeysExamined: number; nReturned: number };
}

interface Query {
  filter: Filter;
  sort: SortSpec;
  skip: number;
  limit: number;
}

function expected(docs: Document[], q: Query) {
  let cursor = find(docs, q.filter).sort(q.sort).skip(q.skip);
  if (q.limit) cursor = cursor.limit(q.limit);
  return cursor.all().map((d) => (d as Document)._id);
}

let store: EmbeddedStore;
let run = 0;
const dataDir = mkdtempSync(join(tmpdir(), 'store-property-'));
t.before(() => {
  store = openEmbeddedStore(dataDir);
});
t.teardown(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Checks the property; returns how many queries an index-ordered scan answered. */
async function indexedEqualsFullScan(): Promise<number> {
  let ordered = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(docBody, { minLength: 1, maxLength: 25 }),
      fc.array(fc.record({ at: fc.nat(30), body: docBody, del: fc.boolean() }), { maxLength: 6 }),
      fc.array(queryArb, { minLength: 1, maxLength: 8 }),
      async (bodies, changes, queries) => {
        const c = store.collection(`prop${run++}`);
        const model = new Map<string, Document>();
        const docs = bodies.map((b, i) => ({ _id: `d${i}`, ...b }) as Document);
        const half = Math.floor(docs.length / 2);
        for (const d of docs.slice(0, half)) await c.insertOne(structuredClone(d));
        for (const spec of INDEXES) await c.createIndex(spec);
        await Promise.all(docs.slice(half).map((d) => c.insertOne(structuredClone(d))));
        docs.forEach((d) => model.set(d._id as string, d));
        for (const ch of changes) {
          const id = `d${ch.at % docs.length}`;
          if (ch.del) {
            await c.deleteOne({ _id: id });
            model.delete(id);
          } else {
            await c.replaceOne({ _id: id }, structuredClone(ch.body) as Document, { upsert: true });
            model.set(id, { _id: id, ...ch.body });
          }
        }
        for (const q of queries) {
          const cursor = c.find(q.filter, { sort: q.sort, skip: q.skip, limit: q.limit });
          const got = await cursor.toArray();
          if (((await cursor.explain!()) as Explained).queryPlanner.winningPlan.sortedByIndex) ordered++;
          const want = expected([...model.values()], q);
          if (JSON.stringify(got.map((d) => d._id)) !== JSON.stringify(want)) {
            throw new Error(`mismatch for ${JSON.stringify(q)}: got ${JSON.stringify(got.map((d) => d._id))} want ${JSON.stringify(want)}`);
          }
          const count = await c.countDocuments(q.filter);
          if (count !== find([...model.values()], q.filter).all().length) throw new Error(`count mismatch for ${JSON.stringify(q.filter)}`);
        }
      },
    ),
    { numRuns: 150 },
  );
  return ordered;
}

t.test('indexed results equal mingo full scans', async (t) => {
  await indexedEqualsFullScan();
  t.pass('no disagreement found');
});

t.test('index-ordered scans, whenever an index can provide the sort, equal mingo full scans', async (t) => {
  const saved = { ...sortPlanTuning };
  Object.assign(sortPlanTuning, { alwaysOrdered: true });
  t.teardown(() => Object.assign(sortPlanTuning, saved));
  const ordered = await indexedEqualsFullScan();
  t.ok(ordered > 100, `no disagreement found; ${ordered} queries were answered in index order`);
});

t.test('indexed queries really use the indexes', async (t) => {
  const c = store.collection('explain');
  for (const spec of INDEXES) await c.createIndex(spec);
  for (let i = 0; i < 200; i++) {
    await c.insertOne({
      _id: `e${i}`,
      a: i % 10,
      n: i,
      idx: [
        { p: 'code', s: 'x', c: String(i % 20) },
        { p: 'date', lo: new Date(Date.UTC(2024, 0, 1 + (i % 50))), hi: new Date(Date.UTC(2024, 0, 2 + (i % 50))) },
      ],
    });
  }
  const plan = async (filter: Filter) => {
    const cursor = c.find(filter, { sort: { n: -1 }, limit: 5 });
    const docs = await cursor.toArray();
    const ex = (await cursor.explain!()) as Explained;
    const { winningPlan } = ex.queryPlanner;
    const input = winningPlan.stage === 'SORT' ? winningPlan.inputStage! : winningPlan;
    return { docs, sorted: winningPlan.stage === 'SORT', stage: input.stage, index: input.indexName, examined: ex.executionStats.totalDocsExamined, ex };
  };

  const token = await plan({ idx: { $elemMatch: { p: 'code', s: 'x', c: '7' } } });
  t.equal(token.stage, 'IXSCAN');
  t.equal(token.index, 'idx.p_1_idx.s_1_idx.c_1');
  t.equal(token.examined, 10, 'only the 10 matching documents are fetched');
  t.same(token.docs.map((d) => d.n), [187, 167, 147, 127, 107]);

  const range = await plan({ idx: { $elemMatch: { p: 'date', lo: { $gte: new Date(Date.UTC(2024, 0, 49)) }, hi: { $lte: new Date(Date.UTC(2024, 1, 28)) } } } });
  t.equal(range.stage, 'IXSCAN');
  t.match(range.index, /^idx\.p_1_idx\.(lo|hi)_1$/);
  t.ok(range.examined < 200, `range scan fetched ${range.examined} of 200`);
  t.ok(range.docs.length > 0);

  const eqIn = await plan({ a: { $in: [1, 2] }, n: { $exists: true } });
  t.equal(eqIn.stage, 'IXSCAN');
  t.equal(eqIn.examined, 40);

  const byId = await plan({ _id: 'e5' });
  t.equal(byId.stage, 'IDHACK');
  t.equal(byId.examined, 1);

  const union = await plan({ $or: [{ a: 3 }, { _id: 'e4' }] });
  t.equal(union.stage, 'OR');
  t.equal(union.examined, 21);

  // no index for the filter: walking the sort index is no worse than a full scan
  const scan = await plan({ zz: 1 });
  t.equal(scan.stage, 'IXSCAN');
  t.equal(scan.index, 'n_-1');
  t.equal(scan.examined, 200);
  t.ok(token.sorted && eqIn.sorted && union.sorted, 'selective filters sort in memory');
});
