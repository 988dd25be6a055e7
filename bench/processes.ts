import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Memory {
  /** Peak resident set size so far (VmHWM). */
  peakRssMb: number;
  /** Resident set size now (VmRSS). */
  rssMb: number;
  /** Resident private memory now (RssAnon): the JS heap, buffers, native allocations. */
  anonMb: number;
  /** Resident file-backed pages now (RssFile): mostly the store's memory-mapped data file. */
  fileMb: number;
}

export interface Child {
  process: ChildProcess;
  url: string;
  memory(): Memory;
  stop(): Promise<void>;
}

/** Starts a TypeScript entry point under tsx and waits for the line that tells its port. */
export async function startChild(entry: string, env: Record<string, string>, portPattern: RegExp): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, AUTH: 'off', RATE_LIMIT: '0', ...env }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = portPattern.exec(line);
      if (match) resolve(`http://127.0.0.1:${match[1]}`);
    });
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code}`)));
  });
  return {
    process: child,
    url,
    memory: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const mb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
      return { peakRssMb: mb('VmHWM'), rssMb: mb('VmRSS'), anonMb: mb('RssAnon'), fileMb: mb('RssFile') };
    },
    stop: () => new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
