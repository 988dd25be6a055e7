import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { bundleFileUnit } from './bundle-file.js';
import { InputError } from './input-error.js';
import { ndjsonItems } from './ndjson-batches.js';
import type { WorkItem } from './work-items.js';

export interface SourceFile {
  path: string;
  /** How the summary names it: the path as given, or its path inside the given directory. */
  name: string;
  format: 'bundle' | 'ndjson';
  gzip: boolean;
}

function describe(path: string, name: string): SourceFile {
  const lower = path.toLowerCase();
  if (lower.endsWith('.json')) return { path, name, format: 'bundle', gzip: false };
  if (lower.endsWith('.ndjson')) return { path, name, format: 'ndjson', gzip: false };
  if (lower.endsWith('.ndjson.gz')) return { path, name, format: 'ndjson', gzip: true };
  throw new InputError(`${name}: not an importable file; give .json (a transaction or batch Bundle), .ndjson or .ndjson.gz files`);
}

const isHidden = (relativePath: string) => relativePath.split(sep).some((part) => part.startsWith('.'));

/** The files of a directory and its subdirectories, by sorted path; hidden files and folders are left out. */
async function directoryFiles(dir: string): Promise<SourceFile[]> {
  const found = await readdir(dir, { recursive: true, withFileTypes: true });
  return found
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .filter((name) => !isHidden(name))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => describe(join(dir, name), name));
}

/** Every file the inputs name, in import order; a missing input or a file of another kind is an InputError. */
export async function listSourceFiles(inputs: string[]): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => {
      throw new InputError(`${input}: no such file or directory`);
    });
    files.push(...(info.isDirectory() ? await directoryFiles(input) : [describe(input, input)]));
  }
  if (files.length === 0) throw new InputError(`nothing to import in ${inputs.join(', ')}`);
  return files;
}

/** The units of work of every file in order, read lazily: a file is opened only when the import reaches it. */
export async function* workItems(files: SourceFile[], batchSize: number): AsyncGenerator<WorkItem> {
  for (const file of files) {
    if (file.format === 'bundle') yield await bundleFileUnit(file);
    else yield* ndjsonItems(file, batchSize);
  }
}
