/**
 * The durable audit log, as the server's main thread sees it. Every interaction gets an
 * AuditEvent, linked into the hash chain by the audit worker thread (audit-worker.ts) from what
 * waits in `audit_pending`:
 * - a write is audited inside its own storage transaction: its AuditEvent goes to `audit_pending`
 *   with the write, so the two commit together or not at all;
 * - everything else (reads, searches, failures) is recorded in memory and stored in
 *   `audit_pending` as one document per batch, every PERSIST_INTERVAL_MS: a crash loses at most
 *   the records of that interval, a clean close none.
 * Linking lags behind under a heavy load; `flush` links everything recorded so far.
 */
import type { Worker } from 'node:worker_threads';
import type { CurrentDocument, Version } from '../services/stored-document.js';
import type { Session, Store } from '../store/types.js';
import { type AuditRecord, auditEventOf } from './audit-event.js';
import { AUDIT_PENDING_COLLECTION, type PendingAuditEvent, pendingId } from './audit-linker.js';
import type { AuditScope } from './audit-scope.js';
import type { AuditWorkerSettings, FromAuditWorker } from './audit-worker-messages.js';
import { startAuditWorker } from './audit-worker-thread.js';
import { writeAuditRecord } from './write-audit-record.js';

const PERSIST_INTERVAL_MS = 100;
/** Records that are stored at once, before the interval is up. */
const PERSIST_BATCH = 500;

export interface AuditLogger {
  error(details: object, message: string): void;
}

export class AuditTrail {
  private worker: Worker | undefined;
  private unsaved: AuditRecord[] = [];
  private saving: Promise<void> = Promise.resolve();
  private flushCount = 0;
  private readonly flushes = new Map<number, () => void>();
  private onClosed: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(private readonly settings: AuditWorkerSettings, private readonly store: Store, private readonly log: AuditLogger) {}

  async start(): Promise<void> {
    await this.spawn();
    this.timer = setInterval(() => void this.save(), PERSIST_INTERVAL_MS);
    this.timer.unref();
  }

  /** Records an interaction that wrote nothing (or failed). */
  record(record: AuditRecord): void {
    if (this.closing) return;
    this.unsaved.push(record);
    if (this.unsaved.length >= PERSIST_BATCH) void this.save();
  }

  /** A repository hook that audits each write of one request (`scope`) in the write's own transaction. */
  writeHook(scope: AuditScope): (store: Store, session: Session, version: Version, document: CurrentDocument) => Promise<void> {
    return (store, session, version, document) => this.auditWrite(scope, store, session, version, document);
  }

  private async auditWrite(scope: AuditScope, store: Store, session: Session, version: Version, document: CurrentDocument): Promise<void> {
    if (version.type === 'AuditEvent') return;
    const event = auditEventOf(writeAuditRecord(scope, version, document), this.settings.observer);
    await store.collection<PendingAuditEvent>(AUDIT_PENDING_COLLECTION).insertOne({ _id: pendingId(), json: JSON.stringify(event) }, { session });
    scope.writesAudited++;
  }

  /** Resolves when everything recorded so far (and every committed write's event) is linked and stored. */
  async flush(): Promise<void> {
    await this.save();
    const id = ++this.flushCount;
    await new Promise<void>((resolve) => {
      this.flushes.set(id, resolve);
      this.worker?.postMessage({ kind: 'flush', id });
    });
  }

  /** Stores what is recorded (a clean shutdown loses nothing) and stops the worker; what it has not linked yet waits for the next start. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.timer);
    await this.save();
    const worker = this.worker!;
    await new Promise<void>((resolve) => {
      this.onClosed = resolve;
      worker.postMessage({ kind: 'close' });
    });
    await worker.terminate();
  }

  /** Stores the records made so far as one pending batch; on failure they are kept for the next try. */
  private save(): Promise<void> {
    if (this.unsaved.length === 0) return this.saving;
    const records = this.unsaved;
    this.unsaved = [];
    const batch: PendingAuditEvent = { _id: pendingId(), records: JSON.stringify(records), count: records.length };
    this.saving = this.saving
      .then(() => this.store.collection<PendingAuditEvent>(AUDIT_PENDING_COLLECTION).insertOne(batch))
      .then(() => undefined, (err: unknown) => {
        this.unsaved.unshift(...records);
        this.log.error({ err }, 'audit records could not be stored; trying again');
      });
    return this.saving;
  }

  private spawn(): Promise<void> {
    const worker = startAuditWorker(this.settings);
    this.worker = worker;
    worker.on('message', (message: FromAuditWorker) => this.received(message));
    worker.on('error', (err) => this.log.error({ err }, 'the audit worker failed'));
    worker.on('exit', () => {
      if (!this.closing && this.worker === worker) void this.respawn();
    });
    return new Promise((resolve, reject) => {
      worker.once('message', (message: FromAuditWorker) => (message.kind === 'ready' ? resolve() : reject(new Error(`audit worker said ${message.kind} first`))));
      worker.once('error', reject);
    });
  }

  /** A new worker; what the old one had not linked is still pending in the store. */
  private async respawn(): Promise<void> {
    this.log.error({}, 'the audit worker stopped; starting another');
    await this.spawn();
    for (const id of this.flushes.keys()) this.worker!.postMessage({ kind: 'flush', id });
  }

  private received(message: FromAuditWorker): void {
    switch (message.kind) {
      case 'failed':
        this.log.error({ error: message.error }, 'audit events could not be linked; the worker tries again');
        return;
      case 'flushed':
        this.flushes.get(message.id)?.();
        this.flushes.delete(message.id);
        return;
      case 'closed':
        this.onClosed?.();
    }
  }
}
