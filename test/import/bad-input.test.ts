import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import t from 'tap';
import { InputError } from '../../src/import/input-error.ts';
import { parseImportArguments, UsageError } from '../../src/import/options.ts';
import { countEntries } from '../../src/import/pre-scan.ts';
import { listSourceFiles } from '../../src/import/sources.ts';
import { runImportCommand, writeTree } from './import-command.ts';

const tree = writeTree({
  'collection.json': JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [] }),
  'patient.json': JSON.stringify({ resourceType: 'Patient' }),
  'broken.json': '{"resourceType":"Bundle",',
  'mixed/a.ndjson': '{"resourceType":"Patient"}\n',
  'mixed/notes.txt': 'hello',
  'truncated.ndjson.gz': '{"resourceType":"Patient"}\n'.repeat(50),
});
t.teardown(tree.remove);
const at = (name: string) => `${tree.dir}/${name}`;

/** A loopback port nothing listens on: one the system just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
const nowhere = `http://127.0.0.1:${await closedPort()}/fhir`;

t.test('bad arguments are a UsageError naming the mistake', async (t) => {
  const cases: [string[], RegExp][] = [
    [['a.ndjson'], /exactly one target/],
    [['--url', nowhere, '--data-dir', 'd', 'a.ndjson'], /exactly one target/],
    [['--url', 'localhost:8080', 'a.ndjson'], /--url must be an absolute http\(s\) URL/],
    [['--url', nowhere, '--batch-size', '0', 'a.ndjson'], /--batch-size must be a whole number from 1 to 100000, got "0"/],
    [['--url', nowhere, '--concurrency', 'many', 'a.ndjson'], /--concurrency must be a whole number from 1 to 256, got "many"/],
    [['--url', nowhere], /at least one file or directory/],
    [['--url', nowhere, '--bogus', 'a.ndjson'], /Unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) t.throws(() => parseImportArguments(args), { constructor: UsageError, message }, args.join(' '));
  t.same(parseImportArguments(['--data-dir', 'd', 'x', 'y']), { inputs: ['x', 'y'], url: undefined, dataDir: 'd', mongodbUri: undefined, batchSize: 500, concurrency: 4, help: false });
});

t.test('the command exits 2 on bad arguments, with the reason and the usage on stderr', async (t) => {
  const run = await runImportCommand([at('mixed/a.ndjson')]);
  t.equal(run.code, 2);
  t.match(run.stderr, /exactly one target/);
  t.match(run.stderr, /Usage: npm run import/);
  t.equal(run.stdout, '');
});

t.test('--help prints the usage and exits 0', async (t) => {
  const run = await runImportCommand(['--help']);
  t.equal(run.code, 0);
  t.match(run.stdout, /--batch-size <n>/);
});

t.test('input that cannot be imported is an InputError naming the file', async (t) => {
  const cases: [string, RegExp][] = [
    [at('missing.json'), /missing\.json: no such file or directory/],
    [at('collection.json'), /collection\.json: a Bundle of type collection; a \.json file must hold a transaction or batch Bundle/],
    [at('patient.json'), /patient\.json: not a Bundle/],
    [at('broken.json'), /broken\.json: not valid JSON/],
    [at('mixed'), /^notes\.txt: not an importable file/],
  ];
  for (const [input, message] of cases) {
    await t.rejects(listSourceFiles([input]).then(countEntries), { constructor: InputError, message }, input);
  }
});

t.test('a corrupt .ndjson.gz stops the command with exit 2 before the target is tried', async (t) => {
  writeFileSync(at('truncated.ndjson.gz'), readFileSync(at('truncated.ndjson.gz')).subarray(0, 20));
  const run = await runImportCommand(['--url', nowhere, at('truncated.ndjson.gz')]);
  t.equal(run.code, 2);
  t.equal(run.stderr, `Cannot import: ${at('truncated.ndjson.gz')}: cannot read it (unexpected end of file)\n`);
});

t.test('an unreachable server: exit 2, nothing imported', async (t) => {
  const run = await runImportCommand(['--url', nowhere, at('mixed/a.ndjson')]);
  t.equal(run.code, 2);
  t.equal(run.stderr, `Cannot import: cannot reach the FHIR server at ${nowhere}: ECONNREFUSED\n`);
});
