/** Errors shaped like the MongoDB driver's, so callers handle both engines alike. */
import { DUPLICATE_KEY } from '../types.ts';

export const WRITE_CONFLICT = 112;
export const IMMUTABLE_FIELD = 66;

export class StoreError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly errorLabels: string[] = [],
  ) {
    super(message);
    this.name = 'MongoServerError';
  }
}

export function duplicateKeyError(collection: string, index: string, key: unknown): StoreError {
  const err = new StoreError(
    `E11000 duplicate key error collection: ${collection} index: ${index} dup key: ${JSON.stringify(key)}`,
    DUPLICATE_KEY,
  );
  return Object.assign(err, { keyValue: key });
}

export function writeConflictError(attempts: number): StoreError {
  return new StoreError(
    `WriteConflict: transaction gave up after ${attempts} attempts`,
    WRITE_CONFLICT,
    ['TransientTransactionError'],
  );
}

export function immutableIdError(): StoreError {
  return new StoreError("Performing an update on the path '_id' would modify the immutable field '_id'", IMMUTABLE_FIELD);
}

/** Thrown inside a commit when a recorded read no longer holds; never escapes withTransaction. */
export class ConflictSignal extends Error {
  constructor() {
    super('transaction read set changed');
  }
}

/**
 * Thrown, before anything is written, by a commit prepared for a plain (not abortable)
 * write transaction when it needs an abortable one; the commit is then run again in one.
 */
export class NeedsChildTransaction extends Error {
  constructor() {
    super('commit needs an abortable transaction');
  }
}
