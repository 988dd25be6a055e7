import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CodeSystem } from 'fhir/r4.js';
import { InputError } from '../import/input-error.js';

export interface Written {
  file: string;
  /** The version of the same dictionary the file held before, if any. */
  replacedVersion?: string;
}

async function versionIn(file: string): Promise<string | undefined> {
  try {
    const version = (JSON.parse(await readFile(file, 'utf8')) as CodeSystem).version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes `codeSystem` as CodeSystem-<id>.json in `dir` (made when missing): one file per dictionary,
 * so loading a new version replaces the old. Written beside it first and renamed, so a server
 * starting meanwhile reads the old file or the new one, never half of one.
 */
export async function writeCodeSystem(dir: string, codeSystem: CodeSystem): Promise<Written> {
  const file = join(dir, `CodeSystem-${codeSystem.id}.json`);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    const replacedVersion = await versionIn(file);
    await writeFile(temporary, `${JSON.stringify(codeSystem, null, 2)}\n`);
    await rename(temporary, file);
    return { file, ...(replacedVersion ? { replacedVersion } : {}) };
  } catch (err) {
    throw new InputError(`cannot write ${file}: ${(err as Error).message}`);
  }
}
