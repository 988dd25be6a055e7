/** The operator's signing command: `npm run signing -- show | generate-key | csr`. See USAGE in options.ts. */
import { ConfigError } from '../config.js';
import { SigningSetupError } from '../services/signing/signing-setup-error.js';
import { certificateRequest } from './csr-command.js';
import { generateKeyFile } from './generate-key-command.js';
import { USAGE, UsageError, parseSigningArguments, type SigningCommand } from './options.js';
import { showSigningCertificate } from './show-command.js';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function run(command: SigningCommand): Promise<string> {
  switch (command.command) {
    case 'help':
      return Promise.resolve(`${USAGE}\n`);
    case 'show':
      return showSigningCertificate(process.env);
    case 'generate-key':
      return generateKeyFile(command.type, command.bits, command.out);
    case 'csr':
      return certificateRequest(command.key, command.subject, command.out, process.env);
  }
}

/** One line: a SigningSetupError or ConfigError says what to fix; anything else is still named. */
function explain(err: unknown): string {
  const known = err instanceof SigningSetupError || err instanceof ConfigError;
  const message = err instanceof Error ? err.message : String(err);
  return `signing: ${known ? message : `unexpected error: ${message}`}`.replace(/\s*\n\s*/g, ' ');
}

async function main(argv: string[]): Promise<number> {
  try {
    process.stdout.write(await run(parseSigningArguments(argv)));
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`signing: ${err.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    console.error(explain(err));
    return EXIT_FAILED;
  }
}

process.exitCode = await main(process.argv.slice(2));
