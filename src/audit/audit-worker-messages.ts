/** What the main thread and the audit worker (audit-worker.ts) tell each other. */
import type { AuditObserver } from './audit-event.js';

export interface AuditWorkerSettings {
  store: { dataDir: string; mongodbUri?: string };
  observer: AuditObserver;
}

export type ToAuditWorker =
  /** Link everything pending now, at full speed. */
  | { kind: 'flush'; id: number }
  | { kind: 'close' };

export type FromAuditWorker =
  | { kind: 'ready' }
  | { kind: 'failed'; error: string }
  | { kind: 'flushed'; id: number }
  | { kind: 'closed' };
