/**
 * withTransaction for the embedded engine: run `work` against a fresh session,
 * then validate-and-commit in one lmdb write transaction (shared with the other
 * writes of the same batch, so one durable commit covers many); on conflict, re-run
 * `work` (as the driver does for TransientTransactionError), a bounded number of times.
 */
import type { RootDatabase } from 'lmdb';
import { ConflictSignal, NeedsChildTransaction, writeConflictError } from './errors.ts';
import { EmbeddedSession } from './session.ts';
import type { TransactionOptions } from '../types.ts';

const MAX_ATTEMPTS = 100;

function isTransient(err: unknown): boolean {
  const labels = (err as { errorLabels?: unknown })?.errorLabels;
  return err instanceof ConflictSignal || (Array.isArray(labels) && labels.includes('TransientTransactionError'));
}

function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(2 ** attempt, 50);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function runTransaction<R>(env: RootDatabase, work: (session: EmbeddedSession) => Promise<R>, options: TransactionOptions = {}): Promise<R> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const session = new EmbeddedSession();
    try {
      const result = await work(session);
      session.end();
      try {
        // a plain write transaction: a child transaction costs a copy of every page it touches
        await env.transaction(() => session.commit(false));
      } catch (err) {
        if (!(err instanceof NeedsChildTransaction)) throw err;
        await env.childTransaction(() => session.commit(true));
      }
      if (!options.deferDurability) await env.flushed;
      return result;
    } catch (err) {
      session.end();
      if (!isTransient(err)) throw err;
      await backoff(attempt);
    }
  }
  throw writeConflictError(MAX_ATTEMPTS);
}
