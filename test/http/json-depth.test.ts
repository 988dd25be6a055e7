/** nestsDeeperThan against the depth of the parsed value, with brackets in strings and escapes, around every limit. */
import fc from 'fast-check';
import t from 'tap';
import { nestsDeeperThan } from '../../src/http/json-depth.ts';

function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

const text = fc.stringMatching(/^[\[\]{}"\\a-z ]{0,6}$/);
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'medium' }, text, fc.integer(), fc.constant(null), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(text, tie('value'), { maxKeys: 4 })),
})).value;

t.test('a body nests deeper than the limit exactly when its parsed value does', async (t) => {
  fc.assert(fc.property(json, fc.integer({ min: 0, max: 8 }), (value, limit) => {
    const body = JSON.stringify(value);
    t.equal(nestsDeeperThan(body, limit), depthOf(value) > limit, `${body} / ${limit}`);
  }), { numRuns: 2000 });
});

t.test('many brackets that do not nest are within any limit; deep nesting is caught whatever the length', async (t) => {
  t.equal(nestsDeeperThan(JSON.stringify(Array.from({ length: 500 }, () => [{}])), 3), false);
  t.equal(nestsDeeperThan(JSON.stringify(Array.from({ length: 500 }, () => [{}])), 2), true);
  t.equal(nestsDeeperThan(JSON.stringify(Array.from({ length: 500 }, () => '[[[{')), 1), false);
  t.equal(nestsDeeperThan('['.repeat(65) + ']'.repeat(65), 64), true);
  t.equal(nestsDeeperThan('['.repeat(64) + ']'.repeat(64), 64), false);
});
