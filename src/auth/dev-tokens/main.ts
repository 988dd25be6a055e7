/** The development token command: `npm run token -- init | mint`. See USAGE in options.ts. */
import { DevKeyError } from './dev-key-files.js';
import { initDevKey } from './init-command.js';
import { mintDevToken } from './mint-command.js';
import { USAGE, parseDevTokenArguments, type DevTokenCommand } from './options.js';
import { runCommand } from '../../cli/run-command.js';

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

process.exitCode = await runCommand(
  { name: 'token', usage: USAGE, expected: (err) => err instanceof DevKeyError },
  () => run(parseDevTokenArguments(process.argv.slice(2))),
);
