/**
 * `_text`, `_content` and `_contained` over HTTP on a real embedded store, with hand-checked result
 * sets; the plan of a word search comes from the store's explain(). The $reindex case restarts the
 * server as its own process with another CONTENT_SEARCH_TYPES over the same data directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { DiagnosticReport, Observation } from 'fhir/r4.js';
import { client } from '../support/fhir-client.js';
import { observation, patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';
import { spawnServer } from '../support/server-process.js';
import { parseSearch } from '../../src/search/index.js';
import { liveFilter } from '../../src/services/search/live-filter.js';

const server = await startServer();
t.teardown(() => server.close());
const fhir = client(server.base);

const XHTML = 'xmlns="http://www.w3.org/1999/xhtml"';
const REPORTS = 'https://lab.example.ru/reports'; // invented
const FSLI = 'urn:oid:1.2.643.5.1.13.13.11.1080';

const patientId: string = (await fhir.post('/Patient', patient())).body.id;

function report(narrative: string | undefined, rest: Partial<DiagnosticReport>): DiagnosticReport {
  return {
    resourceType: 'DiagnosticReport', status: 'final', subject: { reference: `Patient/${patientId}` },
    code: { coding: [{ system: FSLI, code: '2000', display: 'Исследование' }] },
    ...(narrative === undefined ? {} : { text: { status: 'generated', div: `<div ${XHTML}>${narrative}</div>` } }),
    ...rest,
  };
}

async function create(resource: DiagnosticReport | Observation): Promise<string> {
  const created = await fhir.post(`/${resource.resourceType}`, resource);
  if (created.status !== 201) throw new Error(`${resource.resourceType} not created: ${JSON.stringify(created.body)}`);
  return created.body.id;
}

const blood = await create(report(
  '<p>Общий анализ крови: <b>гемоглобин</b> в норме &amp; без&#160;особенностей.</p>'
  + '<p><span title="подсказка">Пациент</span> &#1025;жиков&#39;s, CAFÉ</p><!-- скрытый комментарий -->',
  {
    identifier: [{ system: REPORTS, value: 'R-2024-17' }],
    conclusion: 'Эритроциты снижены',
    contained: [{ resourceType: 'Observation', id: 'b12', status: 'final', code: { text: 'Цианокобаламин' } }],
    result: [{ reference: '#b12' }],
  },
));
const sugar = await create(report('Биохимия: глюкоза повышена (résumé)', { conclusion: 'Глюкоза 7,2 ммоль/л' }));
const clear = await create(report(undefined, { conclusion: 'Без патологии' }));
const hbObservation = await create({
  ...observation(patientId), text: { status: 'generated', div: `<div ${XHTML}>Гемоглобин 135 г/л</div>` },
});
const plainObservation = await create(observation(patientId)); // no narrative: never a _text match

/** The ids of the matches of a search, sorted; fails the test when the search does not answer 200. */
async function matches(t: Test, path: string, on = fhir, headers: Record<string, string> = {}): Promise<string[]> {
  const res = await on.get(path, { headers });
  t.equal(res.status, 200, `${path} answers 200 ${res.status === 200 ? '' : JSON.stringify(res.body?.issue)}`);
  return (res.body.entry ?? []).filter((e: any) => e.search.mode === 'match').map((e: any) => e.resource.id).sort();
}

const q = (query: string) => query.replace(/=([^&]*)/g, (_, value: string) => `=${encodeURIComponent(value)}`);
const sorted = (ids: string[]) => [...ids].sort();

t.test('_text: the narrative\'s words, without tags, attributes, comments or entity names', async (t) => {
  t.same(await matches(t, q('/DiagnosticReport?_text=гемоглобин')), [blood], 'a word inside <b>');
  t.same(await matches(t, q('/Observation?_text=гемоглобин')), [hbObservation], '_text on another type');
  t.same(await matches(t, q('/DiagnosticReport?_text=особенностей')), [blood], 'after a numeric no-break space');
  t.same(await matches(t, q('/DiagnosticReport?_text=ёжиков')), [blood], '&#1025; decoded to Ё');
  for (const notText of ['amp', '160', 'div', 'xmlns', 'www', 'подсказка', 'скрытый', 'span']) {
    t.same(await matches(t, q(`/DiagnosticReport?_text=${notText}`)), [], `${notText}: not a narrative word`);
  }
  t.same(await matches(t, q('/DiagnosticReport?_text=эритроциты')), [], 'the conclusion is not narrative');
});

t.test('_text: case, accents and ё/е ignored, Cyrillic included', async (t) => {
  for (const word of ['ЁЖИКОВ', 'ежиков', 'Ежиков', 'ёжик']) t.same(await matches(t, q(`/DiagnosticReport?_text=${word}`)), [blood], word);
  t.same(await matches(t, q('/DiagnosticReport?_text=cafe')), [blood], 'CAFÉ by cafe');
  t.same(await matches(t, q('/DiagnosticReport?_text=RESUME')), [sugar], 'résumé by RESUME');
  t.same(await matches(t, q('/DiagnosticReport?_text=ГЛЮКОЗА')), [sugar]);
});

t.test('_text: words of a value AND, comma OR, repetition AND; a word matches from its beginning only', async (t) => {
  t.same(await matches(t, q('/DiagnosticReport?_text=анализ крови')), [blood]);
  t.same(await matches(t, q('/DiagnosticReport?_text=крови; анализ!')), [blood], 'order and punctuation do not matter');
  t.same(await matches(t, q('/DiagnosticReport?_text=анализ глюкоза')), [], 'the words are in two different reports');
  t.same(await matches(t, q('/DiagnosticReport?_text=гемоглобин,глюкоза')), sorted([blood, sugar]));
  t.same(await matches(t, q('/DiagnosticReport?_text=гемоглобин&_text=глюкоза')), []);
  t.same(await matches(t, q('/DiagnosticReport?_text=анализ&_text=норме')), [blood]);
  t.same(await matches(t, q('/DiagnosticReport?_text=гемогл повыш,норм')), [blood], 'prefixes: "гемогл повыш" nowhere, "норм" in blood');
  t.same(await matches(t, q('/DiagnosticReport?_text=гемогл')), [blood], 'a prefix');
  t.same(await matches(t, q('/DiagnosticReport?_text=моглобин')), [], 'the middle of a word is not a match');
  t.same(await matches(t, q('/DiagnosticReport?_text=люкоза')), []);
});

t.test('_content: every text of the resource, technical values left out', async (t) => {
  t.same(await matches(t, q('/DiagnosticReport?_content=эритроциты')), [blood], 'conclusion');
  t.same(await matches(t, q('/DiagnosticReport?_content=гемоглобин')), [blood], 'narrative');
  t.same(await matches(t, q('/DiagnosticReport?_content=R-2024-17')), [blood], 'an identifier\'s value');
  t.same(await matches(t, q('/DiagnosticReport?_content=цианокобаламин')), [blood], 'a contained resource\'s text finds its container');
  t.same(await matches(t, q('/DiagnosticReport?_content=исследование')), sorted([blood, sugar, clear]), 'a display');
  t.same(await matches(t, q('/DiagnosticReport?_content=патологии')), [clear]);
  t.same(await matches(t, q('/DiagnosticReport?_content=ммоль глюкоза')), [sugar]);
  for (const technical of [REPORTS, 'lab.example', FSLI, `Patient/${patientId}`, patientId, 'DiagnosticReport', 'b12', blood]) {
    t.same(await matches(t, q(`/DiagnosticReport?_content=${technical}`)), [], `${technical}: a system, reference, type or id is not content`);
  }
});

t.test('_content on a type it is not indexed on is unknown: ignored with a warning, 400 with handling=strict', async (t) => {
  const lenient = await fhir.get(q('/Observation?_content=гемоглобин&_count=50'));
  t.equal(lenient.status, 200);
  t.equal(lenient.body.entry.filter((e: any) => e.search.mode === 'match').length, 2, 'not applied: both Observations');
  const outcome = lenient.body.entry.find((e: any) => e.search.mode === 'outcome');
  t.match(outcome.resource.issue[0].diagnostics, /_content/);
  const strict = await fhir.get(q('/Observation?_content=гемоглобин'), { headers: { prefer: 'handling=strict' } });
  t.equal(strict.status, 400);
  t.equal(strict.body.issue[0].code, 'not-supported');
  t.match(strict.body.issue[0].diagnostics, /_content/);
});

t.test('refused with 400: modifiers, values without words, _sort', async (t) => {
  const refusals: [string, RegExp][] = [
    ['/DiagnosticReport?_text:exact=анализ', /_text takes no modifier \(:exact\)/],
    ['/DiagnosticReport?_text:contains=лиз', /_text takes no modifier \(:contains\)/],
    ['/DiagnosticReport?_content:missing=true', /_content takes no modifier \(:missing\)/],
    ['/DiagnosticReport?_text=...', /no letters or digits/],
    ['/DiagnosticReport?_content=анализ,—', /no letters or digits/],
    ['/DiagnosticReport?_sort=_text', /_sort.*_text is a word search/],
    ['/DiagnosticReport?_sort=-_content', /_sort.*_content is a word search/],
  ];
  for (const [path, diagnostics] of refusals) {
    const res = await fhir.get(q(path));
    t.equal(res.status, 400, path);
    t.equal(res.body.issue[0].code, 'invalid', path);
    t.match(res.body.issue[0].diagnostics, diagnostics, path);
  }
});

t.test('word searches are served by the string index', async (t) => {
  const plan = async (query: string) => {
    const filter = liveFilter(parseSearch('DiagnosticReport', new URLSearchParams(query)));
    const explained = await server.store.collection('DiagnosticReport').find(filter).explain!() as {
      queryPlanner: { winningPlan: { stage: string; keyPattern?: object; inputStages?: { stage: string; keyPattern?: object }[] } };
    };
    return explained.queryPlanner.winningPlan;
  };
  const stringIndex = ['idx.string.p', 'idx.string.n'];
  for (const query of ['_text=гемоглобин', '_content=анализ крови', '_content=анализ&_text=норм']) {
    const winning = await plan(query);
    t.equal(winning.stage, 'IXSCAN', query);
    t.same(Object.keys(winning.keyPattern ?? {}), stringIndex, query);
  }
  const either = await plan('_text=гемоглобин,глюкоза повышена');
  t.equal(either.stage, 'OR');
  t.same(either.inputStages!.map((p) => [p.stage, Object.keys(p.keyPattern ?? {})]), [['IXSCAN', stringIndex], ['IXSCAN', stringIndex]]);
});

t.test('_contained: containers only, refused when contained resources are asked for, whatever the handling', async (t) => {
  t.same(await matches(t, q('/DiagnosticReport?_content=цианокобаламин&_contained=false')), [blood]);
  t.same(await matches(t, q('/DiagnosticReport?_content=цианокобаламин&_containedType=container')), [blood]);
  t.same(await matches(t, '/Observation?_contained=false'), sorted([hbObservation, plainObservation]), 'the contained Observation b12 is never a match');
  for (const query of ['_contained=true', '_contained=both', '_containedType=contained']) {
    for (const handling of ['lenient', 'strict']) {
      const res = await fhir.get(`/DiagnosticReport?${query}`, { headers: { prefer: `handling=${handling}` } });
      t.equal(res.status, 400, `${query}, handling=${handling}`);
      t.equal(res.body.issue[0].code, 'not-supported');
      t.match(res.body.issue[0].diagnostics, /contained resources, which this server does not search/);
    }
  }
  for (const query of ['_contained=yes', '_containedType=both']) {
    const res = await fhir.get(`/DiagnosticReport?${query}`);
    t.equal(res.status, 400, query);
    t.equal(res.body.issue[0].code, 'invalid', query);
  }
});

t.test('the CapabilityStatement lists _text on every DomainResource type and _content where it is indexed', async (t) => {
  const statement = (await fhir.get('/metadata')).body;
  const params = (type: string) => statement.rest[0].resource.find((r: any) => r.type === type).searchParam;
  const param = (type: string, name: string) => params(type).find((p: any) => p.name === name);
  for (const type of ['DiagnosticReport', 'Composition', 'DocumentReference']) {
    t.match(param(type, '_content'), { type: 'string', definition: 'http://hl7.org/fhir/SearchParameter/Resource-content' }, type);
    t.match(param(type, '_content').documentation, /every text value .* must begin a word there, ignoring case, accents and ё\/е/);
  }
  for (const type of ['Patient', 'Observation', 'Consent', 'Organization', 'Binary', 'Bundle']) t.notOk(param(type, '_content'), `no _content on ${type}`);
  for (const type of ['Patient', 'Observation', 'DiagnosticReport', 'AuditEvent']) {
    t.match(param(type, '_text'), { type: 'string', definition: 'http://hl7.org/fhir/SearchParameter/DomainResource-text' }, type);
    t.match(param(type, '_text').documentation, /narrative .* must begin a word there, ignoring case, accents and ё\/е/);
  }
  for (const type of ['Bundle', 'Binary']) t.notOk(param(type, '_text'), `no narrative, no _text on ${type}`);
});

t.test('a resource written before _content was indexed on its type is found after $reindex', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-content-reindex-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const before = await spawnServer({ DATA_DIR: dataDir, CONTENT_SEARCH_TYPES: 'none' });
  t.teardown(() => before.stop());
  const old = client(before.base);
  const id = (await old.post('/Observation', { ...observation('p1'), note: [{ text: 'Цианокобаламин в норме' }] })).body.id;
  t.equal((await old.get(q('/DiagnosticReport?_content=x'), { headers: { prefer: 'handling=strict' } })).status, 400, 'none: _content on no type');
  await before.stop();

  const after = await spawnServer({ DATA_DIR: dataDir, CONTENT_SEARCH_TYPES: 'Observation' });
  t.teardown(() => after.stop());
  const now = client(after.base);
  const search = q('/Observation?_content=цианокобал');
  const found = async () => matches(t, search, now, { prefer: 'handling=strict' });
  t.same(await found(), [], 'known now (strict handling accepts it), but the old document has no word entries yet');
  t.equal((await now.post('/Observation/$reindex')).status, 200);
  t.same(await found(), [id], 'found after $reindex');
  const observationEntry = (await now.get('/metadata')).body.rest[0].resource.find((r: any) => r.type === 'Observation');
  t.ok(observationEntry.searchParam.some((p: any) => p.name === '_content'), 'the CapabilityStatement follows the setting');
});
