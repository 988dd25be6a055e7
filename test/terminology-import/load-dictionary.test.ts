/**
 * The dictionary loader on small NSI exports written for the test. Every code and name in them is
 * invented (the OIDs are the real ones of ФСЛИ, 1.2.643.5.1.13.13.11.1080, and the medical services
 * nomenclature, …1070); the layouts follow the NSI portal's JSON (passport + records) and CSV exports.
 */
import { join } from 'node:path';
import t from 'tap';
import { jsonFilesIn, runLoadDictionary, summaryCount, writeTree } from './load-command.js';

const FSLI_OID = '1.2.643.5.1.13.13.11.1080';
const FSLI_FILE = 'CodeSystem-1-2-643-5-1-13-13-11-1080.json';
const SERVICES_FILE = 'CodeSystem-1-2-643-5-1-13-13-11-1070.json';

const jsonExport = {
  passport: { oid: '1.2.643.5.1.13.13.11.1070', version: '2.12', fullName: 'Номенклатура медицинских услуг (выдуманная выборка)' },
  data: [
    { ID: 1, S_CODE: 'A99.99.001', NAME: 'Выдуманная услуга один' },
    { id: 2, s_code: 'A99.99.002', name: '  Выдуманная услуга два  ' },
    { ID: 3, S_CODE: 'A99.99.003' },
  ],
};

// BOM, CRLF, ";" with a trailing one, quoted fields holding the separator, "" and a line break;
// then a duplicate (line 6), a row without code (line 7), a blank line, a row one field short (line 9)
const csvExport = '\uFEFFID;CODE;NAME;\r\n'
  + '1;9999001;"Выдуманный тест; первый";\r\n'
  + '2;9999002;"Тест ""второй""";\r\n'
  + '3;9999003;"Тест\r\nв две строки";\r\n'
  + '5;9999001;Повтор первого;\r\n'
  + '6;;Без кода;\r\n'
  + '\r\n'
  + '7;9999004\r\n'
  + '8;9999005;Пятый\r\n';

t.test('a JSON export with its passport becomes a complete CodeSystem named after its OID', async (t) => {
  const tree = writeTree({ 'services.json': JSON.stringify(jsonExport) });
  t.teardown(tree.remove);
  const out = join(tree.dir, 'terminology');
  const run = await runLoadDictionary([join(tree.dir, 'services.json'), '--out', out]);
  t.equal(run.code, 0, run.stderr);
  t.equal(summaryCount(run.stdout, 'codes'), 3);
  t.match(run.stdout, /code S_CODE \(also present: ID; --code-field chooses\), display NAME/);
  t.same(jsonFilesIn(out), {
    [SERVICES_FILE]: {
      resourceType: 'CodeSystem',
      id: '1-2-643-5-1-13-13-11-1070',
      url: 'urn:oid:1.2.643.5.1.13.13.11.1070',
      version: '2.12',
      title: 'Номенклатура медицинских услуг (выдуманная выборка)',
      status: 'active',
      description: 'NSI dictionary 1.2.643.5.1.13.13.11.1070 version 2.12, loaded from services.json by npm run load-dictionary',
      caseSensitive: true,
      content: 'complete',
      count: 3,
      concept: [
        { code: 'A99.99.001', display: 'Выдуманная услуга один' },
        { code: 'A99.99.002', display: 'Выдуманная услуга два' },
        { code: 'A99.99.003' },
      ],
    },
  });
});

t.test('a CSV export is read line by line; duplicates, rows without code and malformed rows are skipped and counted', async (t) => {
  const tree = writeTree({ 'fsli.csv': csvExport });
  t.teardown(tree.remove);
  const out = join(tree.dir, 'terminology');
  const run = await runLoadDictionary([join(tree.dir, 'fsli.csv'), '--oid', FSLI_OID, '--version', '3.40', '--out', out]);
  t.equal(run.code, 1, 'written, but rows were skipped');
  t.equal(summaryCount(run.stdout, 'codes'), 4);
  t.match(run.stdout, /duplicate codes:\s+1 skipped \(line 6: 9999001\)/);
  t.match(run.stdout, /rows without code:\s+1 skipped \(line 7\)/);
  t.match(run.stdout, /malformed rows:\s+1 skipped \(line 9: has 2 fields, the header 3\)/);
  t.match(run.stdout, /CSV, separator ";"/);
  const written = jsonFilesIn(out)[FSLI_FILE] as any;
  t.equal(written.url, `urn:oid:${FSLI_OID}`);
  t.equal(written.version, '3.40');
  t.equal(written.content, 'complete');
  t.same(written.concept, [
    { code: '9999001', display: 'Выдуманный тест; первый' },
    { code: '9999002', display: 'Тест "второй"' },
    { code: '9999003', display: 'Тест\nв две строки' },
    { code: '9999005', display: 'Пятый' },
  ]);
});

t.test('"," CSV with chosen fields, written to TERMINOLOGY_DIR; a new version replaces the old file', async (t) => {
  const tree = writeTree({
    'v1.csv': 'Код,Наименование,Примечание\nX1,"Первый, выдуманный",\nX2,Второй,\n',
    'v2.csv': 'Код,Наименование,Примечание\nX1,Первый,\nX2,Второй,\nX3,Третий,есть\n',
  });
  t.teardown(tree.remove);
  const env = { TERMINOLOGY_DIR: join(tree.dir, 'dictionaries') };
  const options = ['--oid', 'urn:oid:1.2.643.5.1.13.13.99.2.9999', '--code-field', 'код', '--display-field', 'НАИМЕНОВАНИЕ'];
  const first = await runLoadDictionary([join(tree.dir, 'v1.csv'), ...options, '--version', '1.1'], env);
  t.equal(first.code, 0, first.stderr);
  t.match(first.stdout, /CSV, separator ","/);
  const second = await runLoadDictionary([join(tree.dir, 'v2.csv'), ...options, '--version', '1.2'], env);
  t.equal(second.code, 0, second.stderr);
  t.match(second.stdout, /\(replaces version 1\.1\)/);
  const files = jsonFilesIn(env.TERMINOLOGY_DIR) as Record<string, any>;
  t.same(Object.keys(files), ['CodeSystem-1-2-643-5-1-13-13-99-2-9999.json'], 'one file per dictionary');
  const codeSystem = Object.values(files)[0];
  t.equal(codeSystem.version, '1.2');
  t.same(codeSystem.concept.map((c: any) => c.code), ['X1', 'X2', 'X3']);
});

t.test('input that cannot be loaded: exit 2, a message naming the problem, nothing written', async (t) => {
  const tree = writeTree({
    'fsli.csv': csvExport,
    'broken.json': '{"passport": {"oid": "1.2.643.5.1.13.13.11.1080", "version": "3.40"}, "data": [',
    'no-records.json': '{"oid": "1.2.643.5.1.13.13.11.1080", "version": "3.40"}',
    'unclosed.csv': 'ID;NAME\n1;"не закрыто\n2;Второй\n',
    'no-codes.csv': 'ID;NAME\n;Пусто\n;Тоже пусто\n',
  });
  t.teardown(tree.remove);
  const out = join(tree.dir, 'terminology');
  const cases: [string[], RegExp][] = [
    [[join(tree.dir, 'fsli.csv'), '--version', '3.40'], /OID is not known: the export does not state it, give --oid/],
    [[join(tree.dir, 'fsli.csv'), '--oid', FSLI_OID], /version is not known.*give --version/],
    [[join(tree.dir, 'fsli.csv'), '--oid', '1.2.x', '--version', '3.40'], /"1\.2\.x" is not an OID/],
    [[join(tree.dir, 'fsli.csv'), '--oid', FSLI_OID, '--version', '3.40', '--code-field', 'LOINC'], /--code-field LOINC: the export has no such field; its fields: ID, CODE, NAME/],
    [[join(tree.dir, 'broken.json')], /broken\.json is not valid JSON/],
    [[join(tree.dir, 'no-records.json')], /holds no records/],
    [[join(tree.dir, 'unclosed.csv'), '--oid', FSLI_OID, '--version', '3.40'], /line 2: a quoted field is not closed/],
    [[join(tree.dir, 'no-codes.csv'), '--oid', FSLI_OID, '--version', '3.40'], /gave no codes in field ID \(2 rows without code, 0 malformed\): nothing written/],
    [[join(tree.dir, 'missing.csv'), '--oid', FSLI_OID, '--version', '3.40'], /cannot read .*missing\.csv/],
    [[join(tree.dir, 'fsli.txt')], /must be a \.json or \.csv file/],
    [[], /give exactly one export file, got 0/],
  ];
  for (const [args, message] of cases) {
    const run = await runLoadDictionary([...args, '--out', out]);
    t.equal(run.code, 2, args.join(' '));
    t.match(run.stderr, message);
  }
  t.same(jsonFilesIn(out), {}, 'nothing written');
});
