/** Token index entries: codes, Codings, CodeableConcepts, Identifiers, ContactPoints, booleans. */
import type { Coding, CodeableConcept, ContactPoint, Identifier } from 'fhir/r4.js';
import type { IndexEntry } from '../types.js';
import type { TypedValue } from '../expressions.js';
import { normalizeString } from '../normalize.js';

function codingEntry(p: string, coding: Coding): IndexEntry[] {
  if (coding.code === undefined && coding.system === undefined && !coding.display) return [];
  const entry: IndexEntry = { p };
  if (coding.system !== undefined) entry.s = coding.system;
  if (coding.code !== undefined) entry.c = coding.code;
  if (coding.display) entry.t = normalizeString(coding.display);
  return [entry];
}

function conceptEntries(p: string, concept: CodeableConcept): IndexEntry[] {
  const entries = (concept.coding ?? []).flatMap((coding) => codingEntry(p, coding));
  if (concept.text) entries.push({ p, t: normalizeString(concept.text) });
  return entries;
}

function identifierEntry(p: string, identifier: Identifier): IndexEntry[] {
  if (identifier.value === undefined) return [];
  return [identifier.system === undefined ? { p, c: identifier.value } : { p, s: identifier.system, c: identifier.value }];
}

/** ContactPoint.system is "phone"/"email", not a URI, so only the value is a token. */
function contactPointEntry(p: string, contact: ContactPoint): IndexEntry[] {
  return contact.value === undefined ? [] : [{ p, c: contact.value }];
}

export function tokenEntries(p: string, { value, type }: TypedValue): IndexEntry[] {
  if (typeof value === 'boolean' || typeof value === 'number') return [{ p, c: String(value) }];
  if (typeof value === 'string') return [{ p, c: value }];
  if (typeof value !== 'object' || value === null) return [];
  switch (type) {
    case 'CodeableConcept': return conceptEntries(p, value as CodeableConcept);
    case 'Identifier': return identifierEntry(p, value as Identifier);
    case 'ContactPoint': return contactPointEntry(p, value as ContactPoint);
    default: return codingEntry(p, value as Coding);
  }
}
