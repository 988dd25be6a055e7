/** The import command: `npm run import -- --url http://localhost:8080/fhir data/`. See USAGE in options.ts. */
import { ConfigError } from '../config.js';
import { openHttpTarget } from './http-target.js';
import { InputError } from './input-error.js';
import { type ImportOptions, parseImportArguments, USAGE, UsageError } from './options.js';
import { countEntries } from './pre-scan.js';
import { ProgressBar } from './progress.js';
import { runImport } from './run-import.js';
import { listSourceFiles, workItems } from './sources.js';
import { formatSummary } from './summary-report.js';
import type { ImportTarget } from './target.js';

const EXIT_OK = 0;
const EXIT_SOME_FAILED = 1;
const EXIT_BAD_INPUT = 2;

async function openTarget(options: ImportOptions): Promise<ImportTarget> {
  if (options.url) return openHttpTarget(options.url);
  // Loaded only here: the --url path needs none of the server's code.
  const { openStoreTarget } = await import('./store-target.js');
  return openStoreTarget({ dataDir: options.dataDir, mongodbUri: options.mongodbUri });
}

async function importAll(options: ImportOptions): Promise<number> {
  const files = await listSourceFiles(options.inputs);
  const total = await countEntries(files);
  const target = await openTarget(options);
  const progress = new ProgressBar(total, process.stderr);
  try {
    const result = await runImport(workItems(files, options.batchSize), target, options.concurrency, progress);
    progress.finish();
    process.stdout.write(formatSummary(result));
    return result.failures.total > 0 ? EXIT_SOME_FAILED : EXIT_OK;
  } finally {
    await target.close();
  }
}

async function main(argv: string[]): Promise<number> {
  try {
    const options = parseImportArguments(argv);
    if (options.help) {
      console.log(USAGE);
      return EXIT_OK;
    }
    return await importAll(options);
  } catch (err) {
    if (err instanceof UsageError) console.error(`${err.message}\n\n${USAGE}`);
    else if (err instanceof InputError || err instanceof ConfigError) console.error(`Cannot import: ${err.message}`);
    else console.error(err);
    return EXIT_BAD_INPUT;
  }
}

const code = await main(process.argv.slice(2));
// Kept-alive connections would hold the process open for a few seconds more.
process.stdout.write('', () => process.exit(code));
