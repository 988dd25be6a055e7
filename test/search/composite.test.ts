/**
 * Composite search parameters end to end: extraction -> parse -> compile -> mingo, plus the
 * embedded store serving them from the composite index, including documents stored before
 * composites were indexed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Observation } from 'fhir/r4.js';
import { INDEX_SPECS, extractIndexEntries, parseSearch, searchParametersFor } from '../../src/search/index.js';
import type { CompositeEntry } from '../../src/search/types.js';
import { openStore } from '../../src/store/open-store.js';
import { FhirError } from '../../src/fhir/errors.js';
import { FSLI, UCUM, observations } from './fixtures.js';
import { filterFor, matchIds, toDoc } from './helpers.js';

const LOINC = 'http://loinc.org';
const SYSTOLIC = '8480-6';
const DIASTOLIC = '8462-4';
const LOCAL = 'https://egisz.example.ru/fhir/CodeSystem/local-tests'; // invented

function bloodPressure(id: string, systolic: number, diastolic: number): Observation {
  const part = (code: string, value: number) => ({
    code: { coding: [{ system: LOINC, code }] },
    valueQuantity: { value, unit: 'мм рт. ст.', system: UCUM, code: 'mm[Hg]' },
  });
  return {
    resourceType: 'Observation', id, status: 'final',
    code: { coding: [{ system: LOINC, code: '85354-9' }] },
    component: [part(SYSTOLIC, systolic), part(DIASTOLIC, diastolic)],
  };
}

const extra: Observation[] = [
  bloodPressure('bp1', 120, 80),
  bloodPressure('bp2', 150, 95),
  bloodPressure('bp3', 95, 60),
  {
    resourceType: 'Observation', id: 'hbs', status: 'final',
    code: { coding: [{ system: FSLI, code: '1002' }] },
    valueCodeableConcept: { coding: [{ system: LOCAL, code: 'negative' }], text: 'отрицательно' },
  },
  {
    resourceType: 'Observation', id: 'onset', status: 'final',
    code: { coding: [{ system: LOCAL, code: 'onset' }] },
    valueDateTime: '2024-03-10',
  },
  {
    resourceType: 'Observation', id: 'dollar', status: 'final',
    code: { coding: [{ system: LOCAL, code: 'a$b' }] },
    valueString: 'Цена 5$, итог',
  },
];
// o1 FSLI 1000 = 130 g/L, o2 FSLI 1000 = 5.4 mmol/L, o3 FSLI 1001 = 100 10*9/L, o4 local-1 (text value)
const O = [...observations, ...extra].map((r) => toDoc(r));

function cases(t: Test, table: [string, string[]][]): void {
  for (const [query, expected] of table) t.same(matchIds(O, 'Observation', query), expected, `Observation?${query}`);
}

function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof FhirError ? err.code : 'not a FhirError';
  }
  return undefined;
}

t.test('the R4 Observation composites are defined with their components', async (t) => {
  const defs = searchParametersFor('Observation');
  t.same(defs.get('code-value-quantity')!.components!.map((c) => [c.type, c.expression]), [['token', 'code'], ['quantity', 'value.as(Quantity)']]);
  t.same(defs.get('combo-code-value-quantity')!.expression, 'Observation | Observation.component');
  for (const code of ['code-value-concept', 'code-value-date', 'code-value-string', 'component-code-value-concept', 'combo-code-value-concept']) {
    t.equal(defs.get(code)?.type, 'composite', code);
  }
});

t.test('extraction: one entry per element, component fields under c<i> keys', async (t) => {
  const idx = extractIndexEntries(bloodPressure('x', 120, 80), { strict: true });
  t.same(idx.composite!.filter((e) => e.p === 'component-code-value-quantity'), [
    { p: 'component-code-value-quantity', c0s: LOINC, c0c: SYSTOLIC, c1v: 120, c1lo: 119.5, c1hi: 120.5, c1s: UCUM, c1c: 'mm[Hg]', c1u: 'мм рт. ст.' },
    { p: 'component-code-value-quantity', c0s: LOINC, c0c: DIASTOLIC, c1v: 80, c1lo: 79.5, c1hi: 80.5, c1s: UCUM, c1c: 'mm[Hg]', c1u: 'мм рт. ст.' },
  ]);
  t.same(idx.composite!.filter((e) => e.p === 'code-value-quantity'), [], 'the panel itself has no value');
  t.same(idx.composite!.filter((e) => e.p === 'combo-code-value-quantity').map((e) => (e as CompositeEntry).c0c), [SYSTOLIC, DIASTOLIC]);
  const hb = extractIndexEntries(observations[0], { strict: true });
  t.same(hb.composite!.filter((e) => e.p === 'code-value-quantity'), [
    { p: 'code-value-quantity', c0s: FSLI, c0c: '1000', c1v: 130, c1lo: 129.5, c1hi: 130.5, c1s: UCUM, c1c: 'g/L', c1u: 'г/л' },
  ], 'no display texts; the text-only token entry (code.text) pairs with nothing');
  t.same(extractIndexEntries(observations[3], { strict: true }).composite, undefined, 'a text-only value gives no composite entry');
});

t.test('components match within one element, never across elements', async (t) => {
  cases(t, [
    // bp1 has a systolic (120) and a diastolic below 100 (80): not a systolic below 100
    [`component-code-value-quantity=${LOINC}|${SYSTOLIC}$lt100`, ['bp3']],
    [`component-code-value-quantity=${SYSTOLIC}$lt100`, ['bp3']],
    [`component-code-value-quantity=${DIASTOLIC}$lt100`, ['bp1', 'bp2', 'bp3']],
    [`component-code-value-quantity=${DIASTOLIC}$ge95`, ['bp2']],
    [`component-code-value-quantity=${SYSTOLIC}$120`, ['bp1']],
    [`component-code-value-quantity=${SYSTOLIC}$80`, []],
    // two clauses are ANDed over the resource: each may hold in its own component
    [`component-code-value-quantity=${SYSTOLIC}$gt100&component-code-value-quantity=${DIASTOLIC}$gt90`, ['bp2']],
    [`component-code-value-quantity=${SYSTOLIC}$lt100,${DIASTOLIC}$gt90`, ['bp2', 'bp3']],
    [`code-value-quantity=${SYSTOLIC}$gt0`, []], // component values are not the Observation value
    [`combo-code-value-quantity=${SYSTOLIC}$ge150`, ['bp2']],
    ['combo-code-value-quantity=1000$130', ['o1']],
  ]);
});

t.test('prefixes and units on the quantity component', async (t) => {
  cases(t, [
    [`code-value-quantity=${FSLI}|1000$gt120`, ['o1']],
    ['code-value-quantity=1000$gt5', ['o1', 'o2']],
    ['code-value-quantity=1000$ge130', ['o1']],
    ['code-value-quantity=1000$le5.4', ['o2']],
    ['code-value-quantity=1000$5.4', ['o2']],
    ['code-value-quantity=1000$ne130', ['o2']],
    ['code-value-quantity=1000$ap125', ['o1']],
    ['code-value-quantity=1000$lt5', []],
    [`code-value-quantity=1000$130|${UCUM}|g/L`, ['o1']],
    [`code-value-quantity=1000$130|${UCUM}|mmol/L`, []],
    ['code-value-quantity=1000$gt0||mmol/L', ['o2']],
    [`code-value-quantity=${FSLI}|$ge100`, ['o1', 'o3']],
    ['code-value-quantity=1001$100', ['o3']],
    ['code-value-quantity=1001$130', []],
    ['code-value-quantity=1000$130,1001$100', ['o1', 'o3']],
  ]);
});

t.test('token, date and string second components; $ escaping', async (t) => {
  cases(t, [
    [`code-value-concept=${FSLI}|1002$${LOCAL}|negative`, ['hbs']],
    ['code-value-concept=1002$positive', []],
    [`code-value-date=${LOCAL}|onset$2024-03`, ['onset']],
    ['code-value-date=onset$gt2024-03-10', []],
    ['code-value-date=onset$ge2024-03-10', ['onset']],
    ['code-value-string=a\\$b$цена', ['dollar']], // the escaped $ is part of the code
    ['code-value-string=a\\$b$Цена 5\\$', ['dollar']], // an escaped $ inside the string part
    ['code-value-string=a\\$b$итог', []],
    ['code-value-quantity:missing=true', ['bp1', 'bp2', 'bp3', 'dollar', 'hbs', 'o4', 'onset']],
  ]);
});

t.test('malformed composite values are 400s', async (t) => {
  for (const query of ['code-value-quantity=1000', 'code-value-quantity=1000$5$6', 'code-value-quantity=1000$abc',
    'code-value-quantity=$5', 'code-value-string=a$b$c', 'code-value-quantity:exact=1000$5', 'code-value-date=x$31.12.2024']) {
    t.equal(thrownCode(() => parseSearch('Observation', new URLSearchParams(query))), 'FHIR_ERR_PARAM_INVALID', query);
  }
});

t.test('one $elemMatch per value, on the component keys', async (t) => {
  t.same(filterFor('Observation', `code-value-quantity=${FSLI}|1000$gt120`), {
    'idx.composite': { $elemMatch: { p: 'code-value-quantity', c0s: FSLI, c0c: '1000', c1v: { $gt: 120 } } },
  });
});

t.test('the embedded store serves composites by index, also over documents stored before composites were indexed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'composite-store-'));
  const store = await openStore({ dataDir: dir });
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const collection = store.collection('Observation');
  const old = toDoc(bloodPressure('old', 90, 60)) as unknown as { idx: Record<string, unknown> };
  delete old.idx.composite; // as written by an earlier version of the server
  await collection.insertOne(old as never);
  for (const spec of INDEX_SPECS) await collection.createIndex({ ...spec });
  for (const doc of O) await collection.insertOne(structuredClone(doc) as never);
  const ids = async (query: string) => (await collection.find(filterFor('Observation', query)).toArray()).map((d) => d._id).sort();
  t.same(await ids(`component-code-value-quantity=${LOINC}|${SYSTOLIC}$lt100`), ['bp3'], 'the old document has no composite entries to match');
  t.same(await ids(`code-value-quantity=${FSLI}|1000$gt5`), ['o1', 'o2']);
  t.same(await ids('component-code-value-quantity:missing=true'), ['dollar', 'hbs', 'o1', 'o2', 'o3', 'o4', 'old', 'onset']);
  const diastolic60 = `component-code-value-quantity=${LOINC}|${DIASTOLIC}$60`;
  t.same(await ids(diastolic60), ['bp3']);
  await collection.replaceOne({ _id: 'old' }, toDoc(bloodPressure('old', 90, 60)) as never);
  t.same(await ids(diastolic60), ['bp3', 'old'], 'the old document is found once it is written again');
  const explained = await collection.find(filterFor('Observation', `code-value-quantity=${FSLI}|1000$gt120`)).explain!() as {
    queryPlanner: { winningPlan: { stage: string; keyPattern?: Record<string, number> } };
    executionStats: { totalDocsExamined: number };
  };
  t.equal(explained.queryPlanner.winningPlan.stage, 'IXSCAN');
  t.same(Object.keys(explained.queryPlanner.winningPlan.keyPattern ?? {}),
    ['idx.composite.p', 'idx.composite.c0c', 'idx.composite.c0s', 'idx.composite.c1v']);
  t.equal(explained.executionStats.totalDocsExamined, 1, 'only o1 is read: the value bound is part of the scan');
});
