/**
 * The direct path for plain updates must leave every document exactly as mingo's updater does,
 * and report a change exactly when mingo's would, over random documents and updates (including
 * updates it hands to mingo: array positions, modifiers, overlapping paths, operators on the wrong type).
 */
import fc from 'fast-check';
import { update as mingoUpdate } from 'mingo';
import { isEqual } from 'mingo/util';
import t from 'tap';
import { applyPlainUpdate } from '../../src/store/embedded/plain-update.ts';
import { applyUpdate } from '../../src/store/embedded/update-doc.ts';
import type { Document, Filter } from '../../src/store/types.ts';

const number = fc.integer({ min: -2, max: 2 });
const leaf = fc.oneof(
  number, number, fc.double({ min: -3, max: 3, noNaN: true }), fc.constantFrom('x', 'y', ''),
  fc.constant(null), fc.boolean(), fc.constant(new Date(Date.UTC(2026, 0, 1))),
);
const value = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 2 }), fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('value'), { maxKeys: 2, noNullPrototype: true })),
})).value;
const doc = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'n'), value, { maxKeys: 4, noNullPrototype: true }).map((d) => ({ _id: 'doc', ...d }));
// mostly what the direct path takes, sometimes what it must leave to mingo
const rarely = <T,>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) => fc.oneof({ weight: 9, arbitrary: usual }, { weight: 1, arbitrary: odd });
const path = rarely(fc.constantFrom('a', 'b', 'n', 'a.b', 'a.c', 'b.a', 'a.b.c'), fc.constantFrom('a.0', 'n.0.a', '$bad', 'a.'));
const operand = (operator: string) => rarely(operator === '$inc' ? number : value, fc.oneof(value, fc.constant({ $each: [1, 2] })));
const operator = rarely(fc.constantFrom('$set', '$inc', '$unset', '$push'), fc.constant('$min'));
const change = operator.chain((op) => fc.tuple(fc.constant(op), path, operand(op)));
const update = fc.array(change, { minLength: 1, maxLength: 3 }).map((changes) => {
  const built: Record<string, Record<string, unknown>> = {};
  for (const [op, field, operand] of changes) (built[op] ??= {})[field] = operand;
  return built;
});

/** What applyUpdate returned before the direct path: mingo alone. */
function mingoOnly(current: Document, changes: Filter): { result: Document | null } | { error: true } {
  try {
    const next = structuredClone(current);
    const changed = mingoUpdate(next, changes as never, undefined, undefined, { cloneMode: 'deep' });
    return { result: changed.length === 0 || isEqual(next, current) ? null : next };
  } catch {
    return { error: true };
  }
}

function direct(current: Document, changes: Filter): { result: Document | null } | { error: true } {
  try {
    return { result: applyUpdate(current, changes, false) };
  } catch {
    return { error: true };
  }
}

t.test('applyUpdate matches mingo on random documents and updates', async (t) => {
  let plain = 0;
  fc.assert(fc.property(doc, update, (current, changes) => {
    if (applyPlainUpdate(structuredClone(current), changes) !== undefined) plain++;
    const before = structuredClone(current);
    // each side gets its own copy of the update: mingo can change an update's operands in place (seen
    // with $min on a path with an empty segment, 'a.', deep cloning or not), and the side run second saw that
    const expected = mingoOnly(current, structuredClone(changes));
    const actual = direct(current, structuredClone(changes));
    if (!isEqual(current, before)) return false; // the stored document must not change in place
    if ('error' in expected) return 'error' in actual;
    return !('error' in actual) && (expected.result === null ? actual.result === null : actual.result !== null && isEqual(actual.result, expected.result));
  }), { numRuns: 3000 });
  t.ok(plain > 300, `the direct path took ${plain} of the 3000 updates`);
});

t.test('a value set or pushed is a copy: changing the caller object later does not reach the document', async (t) => {
  const stored = { _id: 'x', list: [] as unknown[] };
  const pushed = { at: new Date(0) };
  const assigned = { deep: { n: 1 } };
  const next = applyUpdate(stored, { $push: { list: pushed }, $set: { 'o.p': assigned } }, false)!;
  pushed.at.setTime(5);
  assigned.deep.n = 2;
  t.same(next, { _id: 'x', list: [{ at: new Date(0) }], o: { p: { deep: { n: 1 } } } });
});

t.test('updates the direct path leaves to mingo', async (t) => {
  t.equal(applyPlainUpdate({ a: [1] }, { $set: { 'a.0': 2 } }), undefined, 'an array position');
  t.equal(applyPlainUpdate({ a: 'text' }, { $inc: { a: 1 } }), undefined, '$inc on a string');
  t.equal(applyPlainUpdate({ a: 'text' }, { $set: { 'a.b': 1 } }), undefined, 'a path through a string');
  t.equal(applyPlainUpdate({}, { $push: { a: { $each: [1] } } }), undefined, 'a $push modifier');
  t.equal(applyPlainUpdate({}, { $set: { a: 1 }, $inc: { 'a.b': 1 } }), undefined, 'overlapping paths');
  t.equal(applyPlainUpdate({}, { $pull: { a: 1 } }), undefined, 'another operator');
  t.same(applyPlainUpdate({ n: 1 }, { $inc: { n: 2, m: 1 }, $unset: { gone: '' } }), ['n', 'm'], 'plain: the changed paths');
});
