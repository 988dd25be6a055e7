/**
 * The audit worker thread: it opens the store itself and links the audit events the server's
 * main thread sends it (as records; the AuditEvents are built here), and those written by write
 * transactions, every LINK_INTERVAL_MS. Hashing, indexing and storing them costs more than the
 * read they record, so it runs beside the requests instead of between them. Each batch of
 * records is acknowledged once stored, so the main thread can send again what a failed worker lost.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/open-store.js';
import { type AuditObserver, auditEventOf } from './audit-event.js';
import { AuditLinker } from './audit-linker.js';
import type { ToAuditWorker, FromAuditWorker, AuditWorkerSettings } from './audit-worker-messages.js';

const LINK_INTERVAL_MS = 200;
const settings = workerData as AuditWorkerSettings;
const port = parentPort!;
const store = await openStore(settings.store);
const linker = new AuditLinker(store);
await linker.start();
const observer: AuditObserver = settings.observer;
/** The highest batch number received; acknowledged with each successful link. */
let received = 0;
let linking: Promise<void> = Promise.resolve();

function send(message: FromAuditWorker): void {
  port.postMessage(message);
}

function link(): Promise<void> {
  const upTo = received;
  linking = linking.then(() => linker.linkAll()).then(
    () => send({ kind: 'stored', upTo }),
    (err: unknown) => send({ kind: 'failed', error: (err as Error).message }),
  );
  return linking;
}

const timer = setInterval(() => void link(), LINK_INTERVAL_MS);

port.on('message', async (message: ToAuditWorker) => {
  switch (message.kind) {
    case 'records':
      linker.add(message.records.map((record) => auditEventOf(record, observer)));
      received = message.batch;
      return;
    case 'flush':
      await link();
      send({ kind: 'flushed', id: message.id });
      return;
    case 'close':
      clearInterval(timer);
      await link();
      await store.close();
      send({ kind: 'closed' });
      port.close();
  }
});
send({ kind: 'ready' });
