import { parseArgs } from 'node:util';
import { UsageError } from '../import/options.js';

export { UsageError };

export const USAGE = `Usage: npm run signing -- <command> [options]

Commands:
  show                          the certificate the server signs with (from the same settings as the
                                server: SIGNING_P12_FILE or SIGNING_KEY_FILE + SIGNING_CERT_FILE,
                                SIGNING_KEY_PASSWORD, SIGNING_TRUST_STORE, DATA_DIR), its chain in PEM
  generate-key --type rsa|ec [--bits 2048|3072|4096] --out <key.pem>
                                a new private key (RSA, or ECDSA P-256) as PKCS#8 PEM, mode 0600;
                                an existing file is never overwritten
  csr --key <key.pem> --subject "CN=..., O=..., C=RU" [--out <req.pem>]
                                a PKCS#10 certificate request for the key, in PEM, to stdout or <req.pem>;
                                an encrypted key is opened with SIGNING_KEY_PASSWORD
  help                          this text

Exit code: 0 done, 1 failed (the reason on one line), 2 bad command line.`;

export type SigningCommand =
  | { command: 'help' }
  | { command: 'show' }
  | { command: 'generate-key'; type: 'rsa' | 'ec'; bits: number; out: string }
  | { command: 'csr'; key: string; subject: string; out?: string };

const RSA_SIZES = ['2048', '3072', '4096'];

type StringOptions<Name extends string> = { [N in Name]: { type: 'string' } };

function flagsOf<Name extends string>(argv: string[], names: readonly Name[]): Partial<Record<Name, string>> {
  const options = Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as StringOptions<Name>;
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Partial<Record<Name, string>>;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required`);
  return value;
}

function generateKeyCommand(argv: string[]): SigningCommand {
  const flags = flagsOf(argv, ['type', 'bits', 'out'] as const);
  const type = required(flags.type, '--type');
  if (type !== 'rsa' && type !== 'ec') throw new UsageError(`--type must be rsa or ec, got "${type}"`);
  if (type === 'ec' && flags.bits !== undefined) throw new UsageError('--bits is for RSA keys; ECDSA keys are on P-256');
  if (flags.bits !== undefined && !RSA_SIZES.includes(flags.bits)) throw new UsageError(`--bits must be one of ${RSA_SIZES.join(', ')}, got "${flags.bits}"`);
  return { command: 'generate-key', type, bits: Number(flags.bits ?? 2048), out: required(flags.out, '--out') };
}

function csrCommand(argv: string[]): SigningCommand {
  const flags = flagsOf(argv, ['key', 'subject', 'out'] as const);
  return { command: 'csr', key: required(flags.key, '--key'), subject: required(flags.subject?.trim(), '--subject'), out: flags.out || undefined };
}

/** The command line, checked; a mistake is a UsageError naming it. */
export function parseSigningArguments(argv: string[]): SigningCommand {
  const [command, ...rest] = argv;
  switch (command) {
    case 'help':
    case '--help':
    case '-h':
      return { command: 'help' };
    case 'show':
      flagsOf(rest, []);
      return { command: 'show' };
    case 'generate-key':
      return generateKeyCommand(rest);
    case 'csr':
      return csrCommand(rest);
    case undefined:
      throw new UsageError('give a command');
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}
