/** The operator's signing command: `npm run signing -- show | generate-key | csr`. See USAGE in options.ts. */
import { ConfigError } from '../config.js';
import { SigningSetupError } from '../services/signing/signing-setup-error.js';
import { certificateRequest } from './csr-command.js';
import { generateKeyFile } from './generate-key-command.js';
import { USAGE, parseSigningArguments, type SigningCommand } from './options.js';
import { runCommand } from '../cli/run-command.js';
import { showSigningCertificate } from './show-command.js';

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

process.exitCode = await runCommand(
  { name: 'signing', usage: USAGE, expected: (err) => err instanceof SigningSetupError || err instanceof ConfigError },
  () => run(parseSigningArguments(process.argv.slice(2))),
);
