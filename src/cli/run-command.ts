import { UsageError } from '../import/options.js';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

export interface CommandSpec {
  /** The command's name, leading each error line. */
  name: string;
  usage: string;
  /** Errors that say what to fix as they are; any other is reported as unexpected. */
  expected: (err: unknown) => boolean;
}

/** One line: an expected error says what to fix; anything else is still named. */
function explain(spec: CommandSpec, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `${spec.name}: ${spec.expected(err) ? message : `unexpected error: ${message}`}`.replace(/\s*\n\s*/g, ' ');
}

/** Runs an operator command: its output on stdout and exit 0, usage errors with the usage and 2, failures in one line and 1. */
export async function runCommand(spec: CommandSpec, work: () => Promise<string>): Promise<number> {
  try {
    process.stdout.write(await work());
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${spec.name}: ${err.message}\n\n${spec.usage}`);
      return EXIT_USAGE;
    }
    console.error(explain(spec, err));
    return EXIT_FAILED;
  }
}
