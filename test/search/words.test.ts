/** `_text` / `_content` below HTTP: words, narrative text, content texts, index entries and filter shapes. */
import t from 'tap';
import type { DiagnosticReport } from 'fhir/r4.js';
import { compileFilter, extractSearchIndex, parseSearch } from '../../src/search/index.js';
import { distinctWords, MAX_WORD_LENGTH, wordsOf } from '../../src/search/words.js';
import { narrativeText } from '../../src/search/narrative.js';
import { contentTexts } from '../../src/search/resource-text.js';
import { MAX_WORDS_PER_RESOURCE } from '../../src/search/word-parameters.js';
import { setContentSearchTypes } from '../../src/search/search-parameters.js';
import { FhirError } from '../../src/fhir/errors.js';

const parse = (type: string, query: string) => parseSearch(type, new URLSearchParams(query));

function errorOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof FhirError) return `${err.code} ${err.message}`;
    throw err;
  }
  return undefined;
}

t.test('words: runs of letters and digits in any script, normalised as string search is', async (t) => {
  t.same(wordsOf('Ёлкин-Пётр, CAFÉ résumé: 12.5мг'), ['елкин', 'петр', 'cafe', 'resume', '12', '5мг']);
  t.same(wordsOf(' -- , ... '), []);
  t.equal(wordsOf('а'.repeat(100))[0], 'а'.repeat(MAX_WORD_LENGTH), 'a long word is cut');
  const astral = wordsOf(`${'a'.repeat(MAX_WORD_LENGTH - 1)}𝐀𝐀`)[0];
  t.equal(astral, 'a'.repeat(MAX_WORD_LENGTH - 1), 'never half of a surrogate pair');
});

t.test('distinct words stop at the cap, and the texts after it are not read', async (t) => {
  let read = 0;
  function* texts(): Generator<string> {
    for (let i = 0; i < 1000; i++) {
      read++;
      yield `w${i} w${i}`;
    }
  }
  const words = distinctWords(texts(), MAX_WORDS_PER_RESOURCE);
  t.equal(words.length, MAX_WORDS_PER_RESOURCE);
  t.same(words.slice(0, 2), ['w0', 'w1'], 'the first words are kept');
  t.equal(read, MAX_WORDS_PER_RESOURCE);
});

t.test('narrative text: tags, comments and attributes gone, entities decoded', async (t) => {
  const div = '<div xmlns="http://www.w3.org/1999/xhtml"><p title="подсказка">A&amp;B&nbsp;C</p><!-- скрыто -->'
    + '<td>x</td><td>y</td>&lt;b&gt; &quot;q&quot; &#39;s&apos; &#1025;&#x451; &mdash; &#0;</div>';
  const text = narrativeText(div);
  t.same(text.split(/[ \u00a0]+/).filter(Boolean), ['A&B', 'C', 'x', 'y', '<b>', '"q"', "'s'", 'Ёё', '&#0;']);
  t.match(text, 'B\u00a0C', '&nbsp; is a no-break space');
});

t.test('content texts: every string but technical elements; div without tags', async (t) => {
  const report: DiagnosticReport & Record<string, unknown> = {
    resourceType: 'DiagnosticReport', id: 'r1', meta: { versionId: '2', profile: ['https://p.example.ru/sd'] },
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Норма</div>' },
    extension: [{ url: 'https://e.example.ru/ext', valueString: 'расширение' }],
    identifier: [{ system: 'https://lab.example.ru/reports', value: 'R-17' }],
    status: 'final', code: { coding: [{ system: 'urn:oid:1.2.643.5.1.13.13.11.1080', code: '1000', display: 'Анализ' }] },
    subject: { reference: 'Patient/p1', display: 'Иванов' },
    presentedForm: [{ contentType: 'application/pdf', data: 'JVBERi0xLjQ=', url: 'https://files.example.ru/1.pdf', hash: 'abc=' }],
    _issued: { extension: [{ url: 'https://e.example.ru/x', valueString: 'примечание' }] },
  };
  t.same([...contentTexts(report)].map((text) => text.trim()), ['generated', 'Норма', 'расширение', 'R-17', 'final', '1000', 'Анализ', 'Иванов', 'application/pdf', 'примечание']);
});

t.test('index entries: one string entry per distinct word, no sort key; _content only on the configured types', async (t) => {
  const div = '<div xmlns="http://www.w3.org/1999/xhtml">Гемоглобин в норме, гемоглобин</div>';
  const report = { resourceType: 'DiagnosticReport', status: 'final', code: { text: 'ОАК' }, text: { status: 'generated', div } };
  const { idx, sk } = extractSearchIndex(report, { strict: true });
  t.same(idx.string!.filter((e) => e.p === '_text'), [{ p: '_text', n: 'гемоглобин' }, { p: '_text', n: 'в' }, { p: '_text', n: 'норме' }]);
  t.same(idx.string!.filter((e) => e.p === '_content').map((e) => e.n), ['final', 'оак', 'generated', 'гемоглобин', 'в', 'норме']);
  t.notOk('_text' in sk || '_content' in sk, 'no sort keys');
  const observation = { ...report, resourceType: 'Observation' };
  t.same(extractSearchIndex(observation).idx.string!.map((e) => e.p), ['_text', '_text', '_text'], 'Observation: _text only, by default');
  const bundle: { resourceType: string } = { resourceType: 'Bundle', type: 'collection', text: { div } } as { resourceType: string };
  t.equal(extractSearchIndex(bundle).idx.string, undefined, 'a Bundle has no narrative to search');
  setContentSearchTypes(['Observation']);
  t.teardown(() => setContentSearchTypes(['DiagnosticReport', 'Composition', 'DocumentReference']));
  t.ok(extractSearchIndex(observation).idx.string!.some((e) => e.p === '_content'), 'configured: Observation has _content');
  t.notOk(extractSearchIndex(report).idx.string!.some((e) => e.p === '_content'), 'no longer on DiagnosticReport');
  t.same(parse('DiagnosticReport', '_content=x').unknown, ['_content']);
});

t.test('filters: an $elemMatch per word on the string entries; values OR, words AND', async (t) => {
  const on = (p: string, prefix: string) => ({ 'idx.string': { $elemMatch: { p, n: { $gte: prefix, $lt: `${prefix}\uffff` } } } });
  t.same(compileFilter(parse('DiagnosticReport', '_text=Ёлк')), on('_text', 'елк'));
  t.same(compileFilter(parse('DiagnosticReport', '_text=анализ крови анализ,ГЛЮКОЗА')), {
    $or: [{ $and: [on('_text', 'анализ'), on('_text', 'крови')] }, on('_text', 'глюкоза')],
  });
  t.same(compileFilter(parse('DiagnosticReport', '_content=a&_content=b')), { $and: [on('_content', 'a'), on('_content', 'b')] });
});

t.test('refused: modifiers, values without words, too many words, _sort', async (t) => {
  t.match(errorOf(() => parse('Patient', '_text:exact=x')), /FHIR_ERR_PARAM_INVALID .*_text takes no modifier \(:exact\)/);
  t.match(errorOf(() => parse('DiagnosticReport', '_content:missing=true')), /FHIR_ERR_PARAM_INVALID .*no modifier/);
  t.match(errorOf(() => parse('Patient', '_text=a,...')), /FHIR_ERR_PARAM_INVALID .*no letters or digits/);
  t.match(errorOf(() => parse('Patient', `_text=${Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ')}`)), /at most 16 words/);
  t.equal(errorOf(() => parse('Patient', `_text=${Array.from({ length: 16 }, (_, i) => `w${i}`).join(' ')}`)), undefined);
  t.match(errorOf(() => parse('Patient', '_sort=_text')), /FHIR_ERR_PARAM_INVALID .*_sort.*word search/);
  t.same(parse('Patient', '_text=').clauses, [], 'an empty value is ignored, as for any parameter');
});

t.test('_contained and _containedType: containers only', async (t) => {
  t.same(parse('Patient', '_contained=false&_containedType=container').unknown, []);
  for (const query of ['_contained=true', '_contained=both', '_containedType=contained']) {
    t.match(errorOf(() => parse('Patient', query)), /^FHIR_ERR_CONTAINED_NOT_SEARCHED /, query);
  }
  t.match(errorOf(() => parse('Patient', '_contained=yes')), /^FHIR_ERR_PARAM_INVALID .*"yes" is not one of false, true, both/);
});
