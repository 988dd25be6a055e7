/**
 * Canonical JSON (RFC 8785, as FHIR's JSON canonicalisation follows it): members sorted by the
 * UTF-16 code units of their names at every depth, no whitespace, JSON's own number and string
 * forms; what has no JSON form is refused.
 */
import fc from 'fast-check';
import t from 'tap';
import { canonicalJson } from '../../src/services/signing/canonical-json.ts';

/** The definition, written plainly. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : reference(item))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const members = Object.entries(value).filter(([, member]) => member !== undefined);
    members.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${members.map(([name, member]) => `${JSON.stringify(name)}:${reference(member)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

// names like array indexes (which JavaScript orders first), non-ASCII and astral ones
const name = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('0', '1', '10', '9', '01', 'é', 'ё', '\u{1F600}', 'a', 'B', '4294967295'));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' },
    fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(name, fc.oneof(tie('value'), fc.constant(undefined)), { maxKeys: 5, noNullPrototype: true })),
})).value;

t.test('random JSON values are written as the definition says', async (t) => {
  fc.assert(fc.property(json, (value) => canonicalJson(value) === reference(value)), { numRuns: 5000 });
  t.pass('5000 values');
});

t.test('the RFC 8785 ordering example', async (t) => {
  const value = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\u{1f600}': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
  t.same([...canonicalJson(value).matchAll(/":"([^"]+)"/g)].map((m) => m[1]), ['Carriage Return', 'One', 'Control', 'Latin Small Letter O With Diaeresis', 'Euro Sign', 'Emoji: Grinning Face', 'Hebrew Letter Dalet With Dagesh']);
  t.equal(canonicalJson({ b: [1, undefined, { d: 2, c: 1e21 }], a: 'x' }), '{"a":"x","b":[1,null,{"c":1e+21,"d":2}]}');
});

t.test('what has no JSON form is refused', async (t) => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, () => 1, Symbol('s'), 1n]) {
    t.throws(() => canonicalJson({ a: [bad] }), TypeError);
    t.throws(() => canonicalJson({ '1': { a: bad } }), TypeError, 'in the member-by-member path too');
  }
});
