import { parseArgs } from 'node:util';

export interface ImportOptions {
  inputs: string[];
  url?: string;
  dataDir?: string;
  mongodbUri?: string;
  batchSize: number;
  concurrency: number;
  help: boolean;
}

export class UsageError extends Error {}

export const USAGE = `Usage: npm run import -- [options] <file|dir>...

Loads transaction or batch Bundles (.json) and NDJSON files (.ndjson, .ndjson.gz: one resource a line)
into a FHIR server or straight into its store. A directory is read recursively, files in sorted order.

Target (exactly one):
  --url <base>           a running server's FHIR base, e.g. http://localhost:8080/fhir
  --data-dir <dir>       the embedded store in <dir>, without a server process
  --mongodb-uri <uri>    the MongoDB store, without a server process

Options:
  --batch-size <n>       NDJSON lines per batch Bundle (default 500)
  --concurrency <n>      Bundles in flight at once (default 4)
  -h, --help             this text

Exit code: 0 when everything was imported, 1 when some entries failed, 2 for bad arguments or input.`;

function wholeNumber(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}, got "${raw}"`);
  return value;
}

function assertHttpUrl(raw: string): void {
  let protocol = '';
  try {
    protocol = new URL(raw).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new UsageError(`--url must be an absolute http(s) URL such as http://localhost:8080/fhir, got "${raw}"`);
}

/** The command line of the import, checked; a mistake is a UsageError naming it. */
export function parseImportArguments(argv: string[]): ImportOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        'data-dir': { type: 'string' },
        'mongodb-uri': { type: 'string' },
        'batch-size': { type: 'string' },
        concurrency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const options: ImportOptions = {
    inputs: positionals,
    url: values.url,
    dataDir: values['data-dir'],
    mongodbUri: values['mongodb-uri'],
    batchSize: wholeNumber('batch-size', values['batch-size'], 500, 100_000),
    concurrency: wholeNumber('concurrency', values.concurrency, 4, 256),
    help: values.help ?? false,
  };
  if (options.help) return options;
  const targets = [options.url, options.dataDir, options.mongodbUri].filter((t) => t !== undefined);
  if (targets.length !== 1) throw new UsageError('give exactly one target: --url, --data-dir or --mongodb-uri');
  if (options.url !== undefined) assertHttpUrl(options.url);
  if (options.inputs.length === 0) throw new UsageError('give at least one file or directory to import');
  return options;
}
