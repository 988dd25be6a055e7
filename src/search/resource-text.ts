/**
 * The texts `_text` and `_content` search: a resource's narrative, and its whole textual content.
 *
 * Content is every string value in the resource JSON but those of technical elements: what a
 * person reads, codes and identifier values included (a report's number, `final`, a ФСЛИ code are
 * worth finding), narrative (`div`, any `section.text.div` too) with its tags stripped, contained
 * resources, and the extensions of primitives (`_birthDate`), whose urls are skipped like any url.
 * Left out: ids, urls and references (they are found by their own parameters and would fill the
 * index with host names and ids), `meta` (versions, profiles, tags of the server's bookkeeping),
 * and base64 (`data` of an Attachment or a Binary, `hash`).
 */
import { narrativeText } from './narrative.js';

const TECHNICAL = new Set([
  'resourceType', 'id', 'meta', 'implicitRules', 'reference', 'system', 'url', 'profile', 'versionId', 'fullUrl', 'data', 'hash',
]);

/** The narrative of a DomainResource, as text; none when it has none (most lab data: no generator made on each write). */
export function narrativeTexts(resource: { text?: { div?: unknown } }): string[] {
  const div = resource.text?.div;
  return typeof div === 'string' ? [narrativeText(div)] : [];
}

function* valueTexts(key: string, value: unknown): Generator<string> {
  if (typeof value === 'string') yield key === 'div' ? narrativeText(value) : value;
  else if (Array.isArray(value)) for (const item of value) yield* valueTexts(key, item);
  else if (value !== null && typeof value === 'object') yield* contentTexts(value);
}

/** The string values of a resource (or any element of it) in document order, technical ones left out. */
export function* contentTexts(element: object): Generator<string> {
  for (const [key, value] of Object.entries(element)) {
    if (!TECHNICAL.has(key)) yield* valueTexts(key, value);
  }
}
