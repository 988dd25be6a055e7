import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const PROJECT = new URL('../..', import.meta.url).pathname;
const MAIN = join(PROJECT, 'src/import/main.ts');

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the import command as its own process, as `npm run import -- ...` does. */
export function runImportCommand(args: string[], env: Record<string, string> = {}): Promise<CommandRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: PROJECT, env: { ...process.env, LOG_LEVEL: 'silent', PROFILES: 'none', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr });
    });
  });
}

/** The numbers of the summary's "imported:" and "failed:" lines. */
export function summaryCounts(stdout: string): { imported: number; failed: number } {
  const number = (label: string) => Number(new RegExp(`^  ${label}:\\s+(\\d+) resources$`, 'm').exec(stdout)?.[1]);
  return { imported: number('imported'), failed: number('failed') };
}

/** The summary's reason lines ("<count> × <status> <code>"), in the order printed. */
export function reasonLines(stdout: string): string[] {
  return [...stdout.matchAll(/^  (\d+ × \S+(?: sent| answer)? \S+):/gm)].map((m) => m[1]!);
}

/** A temporary directory with the given files (a .gz name gets its text gzipped); removed by the returned function. */
export function writeTree(files: Record<string, string>): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'fhir-import-'));
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, name.endsWith('.gz') ? gzipSync(text) : text);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const ndjson = (lines: unknown[]) => lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n';

/** Where the shared public data sets are, beside the project. */
export const SHARED_DATA = join(PROJECT, '../shared/data');
