import { spawn } from 'node:child_process';
import type { Bench } from './benches.js';

export interface BenchRun {
  bench: Bench;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  seconds: number;
  /** Everything it printed to stdout. */
  output: string;
}

/** Runs one bench as its own process, its stdout streamed to ours and kept, its stderr passed through. */
export function runBench(bench: Bench, env: NodeJS.ProcessEnv): Promise<BenchRun> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', bench.file], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    process.stdout.write(chunk);
  });
  return new Promise((resolve) => {
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => resolve({
      bench, exitCode, signal, seconds: (performance.now() - started) / 1000, output: Buffer.concat(chunks).toString('utf8'),
    });
    child.once('error', () => finish(null, null));
    child.once('close', finish);
  });
}

export function succeeded(run: BenchRun): boolean {
  return run.exitCode === 0;
}

export function statusOf(run: BenchRun): string {
  if (succeeded(run)) return 'ok';
  if (run.signal) return `failed (${run.signal})`;
  return run.exitCode === null ? 'failed (did not start)' : `failed (exit ${run.exitCode})`;
}
