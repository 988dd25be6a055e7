import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/** The JSON a data file holds, or undefined when there is no file yet. */
export function readDataFile(path: string): unknown {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Written beside and renamed over, so a crash mid-write leaves the previous file whole. */
export function writeDataFile(path: string, data: unknown): void {
  const partial = `${path}.partial`;
  writeFileSync(partial, JSON.stringify(data, null, 2));
  renameSync(partial, path);
}
