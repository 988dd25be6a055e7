/**
 * Whether this process can serve (GET /readyz): the store answers a cheap query in time and, where
 * this process delivers notifications, the outbox dispatcher runs. Each check is named, so a 503
 * says what is not ready; the store's error itself goes to the log, not to the unauthenticated caller.
 */
import type { Store } from '../store/types.js';
import { NoAnswerError, answerWithin } from './answer-within.js';
import { STATE_COLLECTION } from './subscriptions/outbox.js';

const STORE_PROBE_TIMEOUT_MS = 2000;
/** An _id no document has: the probe is one index lookup on a small collection. */
const PROBE_ID = 'readiness-probe';

export interface ReadinessSources {
  store: Store;
  /** The outbox dispatcher, when this process delivers notifications. */
  dispatcher?: { readonly running: boolean };
  log: { warn(details: object, message: string): void };
}

export interface Readiness {
  ready: boolean;
  /** 'ok', or what is wrong, for each thing checked. */
  checks: Record<string, string>;
}

async function storeCheck(store: Store, log: ReadinessSources['log']): Promise<string> {
  try {
    await answerWithin(store.collection(STATE_COLLECTION).findOne({ _id: PROBE_ID }), STORE_PROBE_TIMEOUT_MS);
    return 'ok';
  } catch (err) {
    log.warn({ err }, 'readiness: the store did not answer');
    return err instanceof NoAnswerError ? err.message : 'unavailable';
  }
}

export async function readiness({ store, dispatcher, log }: ReadinessSources): Promise<Readiness> {
  const checks: Record<string, string> = { store: await storeCheck(store, log) };
  if (dispatcher) checks.dispatcher = dispatcher.running ? 'ok' : 'stopped';
  return { ready: Object.values(checks).every((check) => check === 'ok'), checks };
}
