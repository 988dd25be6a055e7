/**
 * Identifier values stored in one form: a SNILS written `XXX-XXX-XXX YY` (or with other
 * separators) becomes its 11 digits, so searches and duplicate checks see one value.
 */
import type { Identifier, Resource } from 'fhir/r4.js';
import { normalizeSnils } from './check-digits.js';

/** SNILS systems (EGISZ.md: the federal OID, and the one N3.Health uses). */
const SNILS_SYSTEMS = new Set(['urn:oid:1.2.643.100.3', 'urn:oid:1.2.643.2.69.1.1.1.6.223']);

function normalized(identifier: Identifier): Identifier {
  if (!identifier.system || !SNILS_SYSTEMS.has(identifier.system) || typeof identifier.value !== 'string') return identifier;
  const digits = normalizeSnils(identifier.value);
  return digits === undefined || digits === identifier.value ? identifier : { ...identifier, value: digits };
}

/** The resource with its top-level identifiers normalised (a new object only when something changed). */
export function withNormalizedIdentifiers<R extends Resource>(resource: R): R {
  const identifiers = (resource as { identifier?: unknown }).identifier;
  if (!Array.isArray(identifiers)) return resource;
  const next = identifiers.map((identifier: Identifier) => (identifier && typeof identifier === 'object' ? normalized(identifier) : identifier));
  return next.some((identifier, i) => identifier !== identifiers[i]) ? { ...resource, identifier: next } : resource;
}
