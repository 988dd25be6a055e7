/** A SNILS given on the command line: any written form (123-456-789 64) as its 11 digits, the check number verified. */
import { isValidSnils, normalizeSnils } from '../../src/validation/check-digits.js';
import { UsageError } from './script-entry.js';

export function snilsInput(raw: string): string {
  const digits = normalizeSnils(raw.trim());
  if (digits === undefined || !isValidSnils(digits)) throw new UsageError(`SNILS "${raw}" is not 11 digits with a valid check number (e.g. 123-456-789 64)`);
  return digits;
}
