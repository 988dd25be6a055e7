import type { FastifyInstance } from 'fastify';
import type { Store } from './store/types.js';

export interface Shutdown {
  app: FastifyInstance;
  store: Store;
  /** SHUTDOWN_TIMEOUT: how long in-flight requests may run on before their connections are closed. */
  timeoutMs: number;
}

/**
 * The graceful shutdown, on the first SIGTERM or SIGINT; a later signal is only logged, since the
 * default action of a second one would kill the process halfway. Exits 0 when every step went well.
 */
export function shutDownOnSignals(shutdown: Shutdown): void {
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) {
      shutdown.app.log.warn({ signal }, 'shutdown already under way; signal ignored');
      return;
    }
    started = true;
    shutDown(shutdown, signal).then(
      () => process.exit(0),
      (err: unknown) => {
        shutdown.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * No new connections; in-flight requests finish (or lose their connections at the timeout); then
 * the app's onClose hooks store the audit records and stop the subscription dispatcher, which
 * releases its leases; then the store closes.
 */
async function shutDown({ app, store, timeoutMs }: Shutdown, signal: NodeJS.Signals): Promise<void> {
  const startedAt = Date.now();
  const elapsedMs = () => Date.now() - startedAt;
  app.log.info({ signal, timeoutMs }, 'shutting down: no new connections, new requests get 503, waiting for the requests in flight');
  const deadline = setTimeout(() => {
    app.log.warn({ timeoutMs }, 'requests still in flight at SHUTDOWN_TIMEOUT; closing their connections');
    app.server.closeAllConnections();
  }, timeoutMs);
  app.server.once('close', () => {
    clearTimeout(deadline);
    app.log.info({ elapsedMs: elapsedMs() }, 'no request in flight; HTTP server closed');
  });
  await app.close();
  app.log.info({ elapsedMs: elapsedMs() }, 'closing the store');
  await store.close();
  app.log.info({ elapsedMs: elapsedMs() }, 'shutdown complete; exiting');
}
