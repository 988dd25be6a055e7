/** What the main thread and the audit worker (audit-worker.ts) tell each other. */
import type { AuditObserver, AuditRecord } from './audit-event.js';

export interface AuditWorkerSettings {
  store: { dataDir: string; mongodbUri?: string };
  observer: AuditObserver;
}

export type ToAuditWorker =
  /** Records to link; `batch` numbers the batches sent, one after another. */
  | { kind: 'records'; batch: number; records: AuditRecord[] }
  | { kind: 'flush'; id: number }
  | { kind: 'close' };

export type FromAuditWorker =
  | { kind: 'ready' }
  /** Every batch up to `upTo` is stored (or was empty). */
  | { kind: 'stored'; upTo: number }
  | { kind: 'failed'; error: string }
  | { kind: 'flushed'; id: number }
  | { kind: 'closed' };
