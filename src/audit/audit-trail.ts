/**
 * The durable audit log, as the server's main thread sees it. Every interaction gets an
 * AuditEvent, linked into the hash chain by the audit worker thread (audit-worker.ts):
 * - a write is audited inside its own storage transaction: its AuditEvent goes to `audit_pending`
 *   with the write, so the two commit together or not at all, and the worker links it later;
 * - everything else (reads, searches, failures) is recorded in memory and sent to the worker in
 *   batches every SEND_INTERVAL_MS; a batch stays here until the worker says it is stored, and is
 *   sent again to a new worker if the old one fails.
 * A clean close hands everything over and waits until it is stored; a crash loses at most the
 * records of the last send interval and link interval.
 */
import type { Worker } from 'node:worker_threads';
import type { CurrentDocument, Version } from '../services/stored-document.js';
import type { Session, Store } from '../store/types.js';
import { type AuditRecord, auditEventOf } from './audit-event.js';
import { AUDIT_PENDING_COLLECTION, type PendingAuditEvent } from './audit-linker.js';
import { currentAuditScope } from './audit-scope.js';
import type { AuditWorkerSettings, FromAuditWorker, ToAuditWorker } from './audit-worker-messages.js';
import { startAuditWorker } from './audit-worker-thread.js';
import { writeAuditRecord } from './write-audit-record.js';

const SEND_INTERVAL_MS = 50;
/** Records that are sent at once, before the interval is up. */
const SEND_BATCH = 256;
/** Records not yet stored above which new requests wait (the worker is behind). */
const MAX_BACKLOG = 20_000;

export interface AuditLogger {
  error(details: object, message: string): void;
}

export class AuditTrail {
  private worker: Worker | undefined;
  private unsent: AuditRecord[] = [];
  private readonly unstored = new Map<number, AuditRecord[]>();
  private unstoredCount = 0;
  private batch = 0;
  private flushCount = 0;
  private readonly flushes = new Map<number, () => void>();
  private roomWaiters: (() => void)[] = [];
  private onClosed: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private counter = 0;
  private closing = false;

  constructor(private readonly settings: AuditWorkerSettings, private readonly log: AuditLogger) {}

  async start(): Promise<void> {
    await this.spawn();
    this.timer = setInterval(() => this.send(), SEND_INTERVAL_MS);
    this.timer.unref();
  }

  /** Records an interaction that wrote nothing (or failed). */
  record(record: AuditRecord): void {
    if (this.closing) return;
    this.unsent.push(record);
    if (this.unsent.length >= SEND_BATCH) this.send();
  }

  /** Resolves at once unless the worker is far behind; then when it has caught up. */
  roomForMore(): Promise<void> | undefined {
    if (this.hasRoom()) return undefined;
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Repository hook: audits a write of the current request in the write's own transaction. */
  async afterWrite(store: Store, session: Session, version: Version, document: CurrentDocument): Promise<void> {
    const scope = currentAuditScope();
    if (!scope || version.type === 'AuditEvent') return;
    const event = auditEventOf(writeAuditRecord(scope, version, document), this.settings.observer);
    const id = `${event.recorded}-${process.pid}-${String(this.counter++).padStart(10, '0')}`;
    await store.collection<PendingAuditEvent>(AUDIT_PENDING_COLLECTION).insertOne({ _id: id, json: JSON.stringify(event) }, { session });
    scope.writesAudited++;
  }

  /** Resolves when everything recorded so far (and every committed write's event) is linked and stored. */
  flush(): Promise<void> {
    this.send();
    const id = ++this.flushCount;
    return new Promise((resolve) => {
      this.flushes.set(id, resolve);
      this.post({ kind: 'flush', id });
    });
  }

  /** Hands over what is left and waits until the worker has stored it (a clean shutdown loses nothing). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.timer);
    this.send();
    const worker = this.worker!;
    await new Promise<void>((resolve) => {
      this.onClosed = resolve;
      this.post({ kind: 'close' });
    });
    await worker.terminate();
  }

  private hasRoom(): boolean {
    return this.unstoredCount + this.unsent.length < MAX_BACKLOG;
  }

  private send(): void {
    if (this.unsent.length === 0) return;
    const records = this.unsent;
    this.unsent = [];
    const batch = ++this.batch;
    this.unstored.set(batch, records);
    this.unstoredCount += records.length;
    this.post({ kind: 'records', batch, records });
  }

  private post(message: ToAuditWorker): void {
    this.worker?.postMessage(message);
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

  /** A new worker, given every batch the old one did not store, in order. */
  private async respawn(): Promise<void> {
    this.log.error({ unstored: this.unstoredCount }, 'the audit worker stopped; starting another and sending it the records not yet stored');
    await this.spawn();
    for (const [batch, records] of this.unstored) this.post({ kind: 'records', batch, records });
    for (const id of this.flushes.keys()) this.post({ kind: 'flush', id });
  }

  private received(message: FromAuditWorker): void {
    switch (message.kind) {
      case 'stored':
        for (const [batch, records] of this.unstored) {
          if (batch > message.upTo) break;
          this.unstored.delete(batch);
          this.unstoredCount -= records.length;
        }
        if (this.hasRoom()) for (const wake of this.roomWaiters.splice(0)) wake();
        return;
      case 'failed':
        this.log.error({ error: message.error }, 'audit events could not be stored; the worker retries at its next link');
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
