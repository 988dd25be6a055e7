import { randomFillSync } from 'node:crypto';
import { FhirError } from './errors.js';

const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;
const VERSION_PATTERN = /^[1-9][0-9]{0,15}$/;
/** base32hex: its digits sort in ASCII order, so ids sort by creation time. */
const DIGITS = '0123456789abcdefghijklmnopqrstuv';

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

export function assertValidId(id: string): void {
  if (!isValidId(id)) throw new FhirError('FHIR_ERR_ID_INVALID', [id.slice(0, 80)]);
}

export function parseVersionId(vid: string): number {
  if (!VERSION_PATTERN.test(vid)) throw new FhirError('FHIR_ERR_VERSION_INVALID', [vid.slice(0, 20)]);
  return Number(vid);
}

/** Random bytes fetched in bulk: one call per 512 ids instead of one per id. */
const randomPool = Buffer.alloc(8192);
let poolOffset = randomPool.length;

function randomDigits(count: number): string {
  if (poolOffset + count > randomPool.length) {
    randomFillSync(randomPool);
    poolOffset = 0;
  }
  let out = '';
  for (let i = 0; i < count; i++) out += DIGITS[randomPool[poolOffset++]! & 31];
  return out;
}

function timeDigits(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = DIGITS[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

/**
 * A server-assigned id: 48 bits of milliseconds then 80 random bits, 26 characters.
 * Ids made later sort later, so new documents append to the end of the store's
 * B-trees instead of landing on random pages (denser pages, fewer pages touched).
 */
export function newId(): string {
  return timeDigits(Date.now()) + randomDigits(16);
}
