/** Starts the audit worker (audit-worker.ts) as a worker thread. */
import { Worker } from 'node:worker_threads';
import type { AuditWorkerSettings } from './audit-worker-messages.js';

export function startAuditWorker(settings: AuditWorkerSettings): Worker {
  const runningFromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(runningFromSource ? './audit-worker.ts' : './audit-worker.js', import.meta.url);
  if (!runningFromSource) return new Worker(entry, { workerData: settings });
  // Node 20 does not hand the tsx loader of the main thread to workers: the worker registers it first
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: settings });
}
