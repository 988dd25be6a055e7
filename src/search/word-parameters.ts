/**
 * `_text` and `_content` (search.html#text): word searches over a resource's narrative and over
 * its whole textual content (resource-text.ts). They have no FHIRPath expression: a resource's
 * text is split into words (words.ts) and each distinct word is one `idx.string` entry
 * `{p: '_text' | '_content', n: word}`, so the string index serves them. They have no sort key.
 *
 * `_text` is indexed on every DomainResource type (narrative is small, and absent on most lab
 * data). `_content` costs index keys on every write of its types, so it is indexed only on the
 * types the CONTENT_SEARCH_TYPES setting names (search-parameters.ts: setContentSearchTypes).
 */
import type { IndexEntry, SearchParameterDef } from './types.js';
import { contentTexts, narrativeTexts } from './resource-text.js';
import { distinctWords } from './words.js';

/** Narrative- and report-like types, written rarely next to lab results. */
export const DEFAULT_CONTENT_SEARCH_TYPES: readonly string[] = ['DiagnosticReport', 'Composition', 'DocumentReference'];

/** Distinct words indexed per resource and parameter, in the order they first appear; later ones are not found. */
export const MAX_WORDS_PER_RESOURCE = 512;

/** The R4 resource types that are not DomainResources, so have no narrative. */
const WITHOUT_NARRATIVE = new Set(['Binary', 'Bundle', 'Parameters']);

const MATCHING = 'Each word of a value (a run of letters and digits) must begin a word there, ignoring case, accents and ё/е; '
  + 'all words of one value are needed, comma-separated values are alternatives. No modifiers, no _sort.';

const TEXT: SearchParameterDef = {
  code: '_text', type: 'string', expression: '', words: 'narrative',
  url: 'http://hl7.org/fhir/SearchParameter/DomainResource-text',
  description: `Words of the narrative (text.div without its tags). ${MATCHING}`,
};

const CONTENT: SearchParameterDef = {
  code: '_content', type: 'string', expression: '', words: 'content',
  url: 'http://hl7.org/fhir/SearchParameter/Resource-content',
  description: `Words of the whole resource: every text value (narrative without tags, codes, identifier values) but ids, urls, references, meta and base64 data. ${MATCHING}`,
};

/** The word parameters of a type, given the types `_content` is indexed on. */
export function wordParameters(type: string, contentTypes: ReadonlySet<string>): SearchParameterDef[] {
  const params: SearchParameterDef[] = [];
  if (!WITHOUT_NARRATIVE.has(type)) params.push(TEXT);
  if (contentTypes.has(type)) params.push(CONTENT);
  return params;
}

/** The `idx.string` entries of one word parameter: one per distinct word of the text it reads. */
export function wordEntries(def: SearchParameterDef, resource: object): IndexEntry[] {
  const texts = def.words === 'narrative' ? narrativeTexts(resource) : contentTexts(resource);
  return distinctWords(texts, MAX_WORDS_PER_RESOURCE).map((n) => ({ p: def.code, n }));
}
