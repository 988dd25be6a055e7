/** _include / _revinclude values -> include directives; the references they follow; the filters they compile to. */
import t from 'tap';
import { FhirError } from '../../src/fhir/errors.js';
import { parseSearch } from '../../src/search/index.js';
import {
  followedReferences, includesFrom, parseIncludes, revIncludeFilter, revIncludesTo, supportedIncludes, supportedRevIncludes,
} from '../../src/search/includes.js';

const directives = (type: string, query: string) => parseIncludes(parseSearch(type, new URLSearchParams(query)));

function tryParse(query: string): boolean {
  try {
    return directives('Patient', query).length === 1;
  } catch {
    return false;
  }
}

t.test('forward, typed, wildcard and iterate forms', async (t) => {
  t.same(directives('Observation', '_include=Observation:subject'),
    [{ reverse: false, iterate: false, sourceType: 'Observation', param: 'subject' }]);
  t.same(directives('Observation', '_include=Observation:subject:Patient'),
    [{ reverse: false, iterate: false, sourceType: 'Observation', param: 'subject', targetType: 'Patient' }]);
  t.same(directives('Observation', '_include=Observation:*'), [{ reverse: false, iterate: false, sourceType: 'Observation' }]);
  t.same(directives('Observation', '_include=*'), [{ reverse: false, iterate: false }]);
  t.same(directives('DiagnosticReport', '_include:iterate=Observation:subject&_include:recurse=Observation:performer:Organization'), [
    { reverse: false, iterate: true, sourceType: 'Observation', param: 'subject' },
    { reverse: false, iterate: true, sourceType: 'Observation', param: 'performer', targetType: 'Organization' },
  ]);
});

t.test('reverse forms come after the forward ones; empty values are ignored', async (t) => {
  t.same(directives('Patient', '_revinclude=Provenance:target&_include=Patient:organization&_revinclude:iterate=Observation:subject&_include='), [
    { reverse: false, iterate: false, sourceType: 'Patient', param: 'organization' },
    { reverse: true, iterate: false, sourceType: 'Provenance', param: 'target' },
    { reverse: true, iterate: true, sourceType: 'Observation', param: 'subject' },
  ]);
  t.same(directives('Patient', '_revinclude=Observation:*'), [{ reverse: true, iterate: false, sourceType: 'Observation' }]);
  t.same(directives('Patient', '_revinclude=Observation:subject:Patient'),
    [{ reverse: true, iterate: false, sourceType: 'Observation', param: 'subject', targetType: 'Patient' }]);
});

t.test('malformed values are FhirError 400 naming the parameter', async (t) => {
  const cases: [string, RegExp][] = [
    ['_include=Observation:nonsense', /_include.*unknown search parameter "nonsense" for Observation/],
    ['_include=Observation:code', /Observation:code is a token parameter, not a reference/],
    ['_include=Observatio:subject', /unknown resource type "Observatio"/],
    ['_include=Observation:subject:Patientt', /unknown resource type "Patientt"/],
    ['_include=Observation:subject:Organization', /subject cannot refer to a Organization/],
    ['_include:iterate=Observation', /_include:iterate.*is not \[type\]:\[parameter\]/],
    ['_include=Observation:subject:Patient:x', /is not \[type\]:\[parameter\]/],
    ['_include:deep=Observation:subject', /_include:deep.*only modifiers are :iterate and :recurse/],
    ['_revinclude=*', /_revinclude.*"\*" is not \[type\]:\[parameter\]/],
    ['_revinclude=Provenance:nonsense', /_revinclude.*unknown search parameter "nonsense" for Provenance/],
  ];
  for (const [query, message] of cases) {
    try {
      directives('Observation', query);
      t.fail(`${query} was accepted`);
    } catch (err) {
      t.ok(err instanceof FhirError && err.status === 400 && err.code === 'FHIR_ERR_PARAM_INVALID', `${query} -> 400`);
      t.match((err as Error).message, message, query);
    }
  }
});

t.test('which resources a directive applies to', async (t) => {
  const [forward, wildcard, reverse, typedReverse] = directives('Observation',
    '_include=Observation:subject&_include=*&_revinclude=Provenance:target&_revinclude=Provenance:target:Patient');
  t.ok(includesFrom(forward, 'Observation'));
  t.notOk(includesFrom(forward, 'Patient'));
  t.ok(includesFrom(wildcard, 'Patient'), 'a bare * follows the references of any type');
  t.ok(revIncludesTo(reverse, 'Observation'));
  t.ok(revIncludesTo(reverse, 'Patient'));
  t.ok(revIncludesTo(typedReverse, 'Patient'));
  t.notOk(revIncludesTo(typedReverse, 'Observation'));
});

t.test('followed references: the parameter, the target type, only local "Type/id" ones', async (t) => {
  const entries = [
    { p: 'subject', r: 'Patient/1' },
    { p: 'performer', r: 'Organization/7' },
    { p: 'performer', r: '#contained' },
    { p: 'performer', r: 'urn:uuid:0c1f9a54-2f5f-4a4e-8a57-9b0e0a1f6f10' },
    { p: 'performer', i: 'urn:oid:1.2.643.5.1.13|123' },
    { p: 'subject', r: 'Group/2' },
  ];
  const [subject, typed, all] = directives('Observation',
    '_include=Observation:subject&_include=Observation:subject:Patient&_include=Observation:*');
  t.same(followedReferences(entries, subject), ['Patient/1', 'Group/2']);
  t.same(followedReferences(entries, typed), ['Patient/1']);
  t.same(followedReferences(entries, all), ['Patient/1', 'Organization/7', 'Group/2']);
});

t.test('reverse filters use the reference entries index', async (t) => {
  const [one, any] = directives('Patient', '_revinclude=Observation:subject&_revinclude=Observation:*');
  t.same(revIncludeFilter(one, ['Patient/1']), { 'idx.reference': { $elemMatch: { p: 'subject', r: 'Patient/1' } } });
  t.same(revIncludeFilter(one, ['Patient/1', 'Patient/2']),
    { 'idx.reference': { $elemMatch: { p: 'subject', r: { $in: ['Patient/1', 'Patient/2'] } } } });
  t.same(revIncludeFilter(any, ['Patient/1', 'Patient/2']), { 'idx.reference': { $elemMatch: { r: { $in: ['Patient/1', 'Patient/2'] } } } });
});

t.test('values offered in the CapabilityStatement', async (t) => {
  const includes = supportedIncludes('Observation');
  for (const value of ['*', 'Observation:*', 'Observation:subject', 'Observation:performer', 'Observation:has-member']) t.ok(includes.includes(value), value);
  t.notOk(includes.includes('Observation:code'), 'a token parameter is not offered');
  const revIncludes = supportedRevIncludes('Patient');
  for (const value of ['Observation:subject', 'Observation:patient', 'Provenance:target', 'DiagnosticReport:subject']) t.ok(revIncludes.includes(value), value);
  t.notOk(revIncludes.includes('Observation:has-member'), 'has-member cannot refer to a Patient');
  const unparsed = [
    ...includes.filter((value) => !tryParse(`_include=${encodeURIComponent(value)}`)),
    ...revIncludes.filter((value) => !tryParse(`_revinclude=${encodeURIComponent(value)}`)),
  ];
  t.same(unparsed, [], 'every value offered parses');
});
