import { dictionaryCodeSystem } from './code-system.js';
import { collectConcepts } from './concepts.js';
import { dictionaryIdentity } from './dictionary-identity.js';
import { chooseFields } from './field-choice.js';
import { InputError } from '../import/input-error.js';
import type { DictionaryOptions } from './options.js';
import { readDictionaryExport } from './read-export.js';
import { type LoadSummary, formatSummary } from './summary.js';
import { writeCodeSystem } from './write-code-system.js';

export const EXIT_OK = 0;
export const EXIT_ROWS_SKIPPED = 1;
export const EXIT_NOTHING_WRITTEN = 2;

/** Reads the export, writes its CodeSystem into the terminology directory and prints the summary; the exit code. */
export async function loadDictionary(options: DictionaryOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const exported = await readDictionaryExport(options.input);
  const identity = dictionaryIdentity(options, exported.passport);
  const fields = chooseFields(exported.columns, options);
  const read = await collectConcepts(exported.rows, fields);
  if (read.concepts.length === 0) {
    throw new InputError(`${options.input} gave no codes in field ${fields.code.name} (${read.withoutCode.count} rows without code, ${read.malformed.count} malformed): nothing written`);
  }
  const written = await writeCodeSystem(options.out, dictionaryCodeSystem(identity, read.concepts, options.input));
  const summary: LoadSummary = { source: options.input, format: exported.format, identity, fields, read, written };
  out.write(formatSummary(summary));
  const skipped = read.duplicates.count + read.withoutCode.count + read.malformed.count;
  return skipped > 0 ? EXIT_ROWS_SKIPPED : EXIT_OK;
}
