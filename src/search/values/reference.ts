/** Reference index entries: `r` = "Type/id" (or the raw reference), `i` = "system|value" of Reference.identifier. */
import type { Reference } from 'fhir/r4.js';
import type { IndexEntry } from '../types.js';
import type { TypedValue } from '../expressions.js';

const TYPE_ID = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]*)?$/;

/**
 * "Patient/1", "Patient/1/_history/2" and "https://any.server/fhir/Patient/1" all become
 * "Patient/1" (absolute URLs are not told apart from local ones). Other forms
 * (contained "#x", urn:uuid:..., canonical URLs with a |version) stay as written.
 */
export function normalizeReference(reference: string): string {
  const m = TYPE_ID.exec(reference.trim());
  return m ? `${m[1]}/${m[2]}` : reference.trim();
}

/** "system|value" as stored in `i`; a missing system gives "|value". */
export function identifierKey(system: string | undefined, value: string): string {
  return `${system ?? ''}|${value}`;
}

export function referenceEntries(p: string, { value }: TypedValue): IndexEntry[] {
  if (typeof value === 'string') return [{ p, r: normalizeReference(value) }];
  if (typeof value !== 'object' || value === null) return [];
  const ref = value as Reference;
  const entry: IndexEntry = { p };
  if (ref.reference) entry.r = normalizeReference(ref.reference);
  if (ref.identifier?.value !== undefined) entry.i = identifierKey(ref.identifier.system, ref.identifier.value);
  return entry.r === undefined && entry.i === undefined ? [] : [entry];
}
