/** The dictionary loader: `npm run load-dictionary -- export.csv --oid 1.2.643.5.1.13.13.11.1080 --version 3.40`. See USAGE in options.ts. */
import { InputError } from '../import/input-error.js';
import { EXIT_NOTHING_WRITTEN, EXIT_OK, loadDictionary } from './load-dictionary.js';
import { USAGE, UsageError, parseDictionaryArguments } from './options.js';

/** Says why nothing was written: the usage after a wrong command line, the reason for bad input, the stack for a bug. */
function explain(err: unknown): string {
  if (err instanceof UsageError) return `${err.message}\n\n${USAGE}`;
  if (err instanceof InputError) return `Cannot load the dictionary: ${err.message}`;
  return String((err as Error)?.stack ?? err);
}

async function main(argv: string[]): Promise<number> {
  try {
    const options = parseDictionaryArguments(argv);
    if (!options.help) return await loadDictionary(options);
    console.log(USAGE);
    return EXIT_OK;
  } catch (err) {
    console.error(explain(err));
    return EXIT_NOTHING_WRITTEN;
  }
}

process.exitCode = await main(process.argv.slice(2));
