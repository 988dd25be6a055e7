import { randomBytes } from 'node:crypto';
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

function base32(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = DIGITS[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/**
 * A server-assigned id: 48 bits of milliseconds then 80 random bits, 26 characters.
 * Ids made later sort later, so new documents append to the end of the store's
 * B-trees instead of landing on random pages (denser pages, fewer pages touched).
 */
export function newId(): string {
  return base32(BigInt(Date.now()), 10) + base32(BigInt(`0x${randomBytes(10).toString('hex')}`), 16);
}
