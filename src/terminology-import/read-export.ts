import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { InputError } from '../import/input-error.js';
import { readCsvExport } from './csv-export.js';
import type { DictionaryExport } from './dictionary-export.js';
import { readJsonExport } from './json-export.js';
import { UsageError } from './options.js';

const READERS: Record<string, (file: string) => Promise<DictionaryExport>> = { '.json': readJsonExport, '.csv': readCsvExport };

/** The export in `file`, read by its extension (.json or .csv). */
export async function readDictionaryExport(file: string): Promise<DictionaryExport> {
  const reader = READERS[extname(file).toLowerCase()];
  if (!reader) throw new UsageError(`the export must be a .json or .csv file, got "${file}"`);
  try {
    if (!(await stat(file)).isFile()) throw new InputError(`${file} is not a file`);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return reader(file);
}
