import { bundleFileUnit } from './bundle-file.js';
import { openFileBytes } from './file-text.js';
import { InputError } from './input-error.js';
import type { SourceFile } from './sources.js';

const NEWLINE = 0x0a;
const isBlank = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0d;

/** Lines holding anything but white space, counted on the bytes without decoding them. */
async function countFilledLines(file: SourceFile): Promise<number> {
  let count = 0;
  let filled = false;
  try {
    for await (const chunk of openFileBytes(file) as AsyncIterable<Buffer>) {
      for (const byte of chunk) {
        if (byte === NEWLINE) {
          if (filled) count++;
          filled = false;
        } else if (!isBlank(byte)) {
          filled = true;
        }
      }
    }
  } catch (err) {
    throw new InputError(`${file.name}: cannot read it (${(err as Error).message})`);
  }
  return filled ? count + 1 : count;
}

/**
 * How many entries the import will handle, for the progress bar: the entries of each Bundle and the
 * lines of each NDJSON file. It reads every Bundle, so one that cannot be imported stops the import
 * before anything is sent.
 */
export async function countEntries(files: SourceFile[]): Promise<number> {
  let total = 0;
  for (const file of files) {
    total += file.format === 'bundle' ? (await bundleFileUnit(file)).entryLabels.length : await countFilledLines(file);
  }
  return total;
}
