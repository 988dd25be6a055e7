/**
 * The audit worker thread: it opens the store itself and links what waits in `audit_pending` into
 * the hash chain. Hashing, indexing and storing an AuditEvent costs more than the read it records,
 * so it runs beside the requests, and at most half the time (after a batch it rests as long as the
 * batch took): under a sustained load the backlog waits, stored, in `audit_pending` rather than the
 * requests waiting for it. A flush links everything at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/open-store.js';
import { AuditLinker } from './audit-linker.js';
import type { AuditWorkerSettings, FromAuditWorker, ToAuditWorker } from './audit-worker-messages.js';
import { niceThread } from './thread-priority.js';

/**
 * The worker's nice value: when the processor is busy, requests go first and the linking takes
 * what they leave; when it is not, the linking runs at full speed all the same.
 */
const WORKER_NICE = 10;
/** How long the worker waits before looking again when nothing is pending, or after a failure. */
const IDLE_MS = 100;
const AFTER_FAILURE_MS = 1000;

niceThread(WORKER_NICE);
const settings = workerData as AuditWorkerSettings;
const port = parentPort!;
const store = await openStore(settings.store);
const linker = new AuditLinker(store, settings.observer);
await linker.start();
let stopping = false;
/** One link at a time: the background loop and flushes take turns. */
let linking: Promise<unknown> = Promise.resolve();

function send(message: FromAuditWorker): void {
  port.postMessage(message);
}

function inTurn<R>(work: () => Promise<R>): Promise<R> {
  const result = linking.then(work);
  linking = result.catch(() => undefined);
  return result;
}

async function linkInBackground(): Promise<void> {
  while (!stopping) {
    const started = performance.now();
    try {
      const more = await inTurn(() => linker.linkOnce());
      await sleep(more ? performance.now() - started : IDLE_MS);
    } catch (err) {
      send({ kind: 'failed', error: (err as Error).message });
      await sleep(AFTER_FAILURE_MS);
    }
  }
}

const background = linkInBackground();

port.on('message', async (message: ToAuditWorker) => {
  if (message.kind === 'flush') {
    await inTurn(() => linker.linkAll()).catch((err: unknown) => send({ kind: 'failed', error: (err as Error).message }));
    send({ kind: 'flushed', id: message.id });
    return;
  }
  stopping = true;
  await background;
  await store.close();
  send({ kind: 'closed' });
  port.close();
});
send({ kind: 'ready' });
