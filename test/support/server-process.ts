import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface ServerProcess {
  base: string;
  child: ChildProcess;
  /** Every log line the server printed so far. */
  lines: string[];
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;

/** Starts `src/main.ts` as its own process, the way `npm start` does, and waits until it listens. */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', PROFILES: 'none', AUTH: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk) => stderr.push(String(chunk)));
  const base = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match) resolve(`${match[1]}/fhir`);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr.join('')}`)));
  });
  const exited = once(child, 'exit');
  return {
    base, child, lines,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
