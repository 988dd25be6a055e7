import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandRun } from '../import/import-command.js';

export { writeTree } from '../import/import-command.js';

const PROJECT = new URL('../..', import.meta.url).pathname;
const MAIN = join(PROJECT, 'src/terminology-import/main.ts');

/** Runs the loader as its own process, as `npm run load-dictionary -- ...` does; `env` is added to a TERMINOLOGY_DIR-free environment. */
export function runLoadDictionary(args: string[], env: Record<string, string> = {}): Promise<CommandRun> {
  const { TERMINOLOGY_DIR: _ignored, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: PROJECT, env: { ...inherited, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr });
    });
  });
}

/** The files of a directory and the JSON each holds (an absent directory holds none). */
export function jsonFilesIn(dir: string): Record<string, unknown> {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return {};
  }
  return Object.fromEntries(names.sort().map((name) => [name, JSON.parse(readFileSync(join(dir, name), 'utf8'))]));
}

/** The count of a summary line such as "  duplicate codes:     1 skipped (...)". */
export function summaryCount(stdout: string, label: string): number {
  return Number(new RegExp(`^  ${label}:\\s+(\\d+)`, 'm').exec(stdout)?.[1]);
}
