/** String index entries: `n` (normalised, for starts-with and :contains) and `x` (exact). */
import type { Address, HumanName } from 'fhir/r4.js';
import type { IndexEntry } from '../types.js';
import type { TypedValue } from '../expressions.js';
import { normalizeString } from '../normalize.js';

function nameParts(name: HumanName): unknown[] {
  return [name.family, ...(name.given ?? []), name.text, ...(name.prefix ?? []), ...(name.suffix ?? [])];
}

function addressParts(address: Address): unknown[] {
  const { line, city, district, state, postalCode, country, text } = address;
  return [...(line ?? []), city, district, state, postalCode, country, text];
}

/** String leaves of any other complex value (e.g. Annotation.text). */
function leaves(value: unknown): unknown[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (value && typeof value === 'object') return Object.values(value).flatMap(leaves);
  return [];
}

function stringParts({ value, type }: TypedValue): unknown[] {
  if (typeof value === 'string') return [value];
  if (type === 'HumanName') return nameParts(value as HumanName);
  if (type === 'Address') return addressParts(value as Address);
  return leaves(value);
}

export function stringEntries(p: string, typed: TypedValue): IndexEntry[] {
  return stringParts(typed)
    .filter((s): s is string => typeof s === 'string' && s.trim().length > 0)
    .map((s) => ({ p, n: normalizeString(s), x: s }));
}
