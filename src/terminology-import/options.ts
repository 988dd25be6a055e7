import { parseArgs } from 'node:util';
import { terminologyDirOf } from '../config.js';
import { UsageError } from '../import/options.js';

export { UsageError };

export interface DictionaryOptions {
  input: string;
  oid?: string;
  version?: string;
  /** The terminology directory the server reads at start. */
  out: string;
  codeField?: string;
  displayField?: string;
  help: boolean;
}

export const USAGE = `Usage: npm run load-dictionary -- <export.json|export.csv> [options]

Turns an NSI dictionary export of the Ministry of Health (JSON with its passport and records, or
CSV with a header row, ";" or "," separated, UTF-8) into a FHIR CodeSystem (url urn:oid:<OID>,
content complete) in the terminology directory. The server reads that directory at start: codes
bound to the dictionary are then checked against it instead of only warned about.

Options:
  --oid <OID>              the dictionary's OID (default: the JSON export's passport; required for CSV)
  --version <v>            the dictionary's version, e.g. 3.40 (default: the passport; required for CSV)
  --out <dir>              where to write (default: TERMINOLOGY_DIR, else ./terminology)
  --code-field <name>      the field holding the code (default: the first of S_CODE, CODE, ID)
  --display-field <name>   the field holding the display (default: the first of NAME, NAME_FULL,
                           FULL_NAME, S_NAME, SHORT_NAME)
  -h, --help               this text

Exit code: 0 when every row gave a code, 1 when the CodeSystem was written but rows were skipped
(duplicate codes, rows without a code, malformed rows), 2 when nothing was written (bad arguments
or input).`;

const OPTIONS = {
  oid: { type: 'string' },
  version: { type: 'string' },
  out: { type: 'string' },
  'code-field': { type: 'string' },
  'display-field': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parsed(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The command line of the loader, checked; a mistake is a UsageError naming it. */
export function parseDictionaryArguments(argv: string[], env: NodeJS.ProcessEnv = process.env): DictionaryOptions {
  const { values, positionals } = parsed(argv);
  const help = values.help ?? false;
  if (!help && positionals.length !== 1) throw new UsageError(`give exactly one export file, got ${positionals.length}`);
  return {
    input: positionals[0] ?? '',
    oid: values.oid,
    version: values.version,
    out: values.out || terminologyDirOf(env),
    codeField: values['code-field'],
    displayField: values['display-field'],
    help,
  };
}
