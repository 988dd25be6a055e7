/** The development token command: `npm run token -- init | mint`. See USAGE in options.ts. */
import { DevKeyError } from './dev-key-files.js';
import { initDevKey } from './init-command.js';
import { mintDevToken } from './mint-command.js';
import { USAGE, UsageError, parseDevTokenArguments, type DevTokenCommand } from './options.js';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function run(command: DevTokenCommand): Promise<string> {
  switch (command.command) {
    case 'help':
      return Promise.resolve(`${USAGE}\n`);
    case 'init':
      return initDevKey(command.dir);
    case 'mint':
      return mintDevToken(command);
  }
}

/** One line: a DevKeyError says what to fix; anything else is still named. */
function explain(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `token: ${err instanceof DevKeyError ? message : `unexpected error: ${message}`}`.replace(/\s*\n\s*/g, ' ');
}

async function main(argv: string[]): Promise<number> {
  try {
    process.stdout.write(await run(parseDevTokenArguments(argv)));
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`token: ${err.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    console.error(explain(err));
    return EXIT_FAILED;
  }
}

process.exitCode = await main(process.argv.slice(2));
