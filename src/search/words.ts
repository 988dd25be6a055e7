/**
 * Words for `_text` and `_content`: a text is normalised as string search does (normalize.ts:
 * case, accents, ё -> е) and split into runs of letters and digits, in any script.
 */
import { normalizeString } from './normalize.js';

/** A word is kept to this many characters (UTF-16 units), stored and searched alike. */
export const MAX_WORD_LENGTH = 64;

const WORD = /[\p{L}\p{N}]+/gu;

function capped(word: string): string {
  if (word.length <= MAX_WORD_LENGTH) return word;
  const cut = word.slice(0, MAX_WORD_LENGTH);
  // never half of a surrogate pair
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** The words of a text, in order, repeats kept. */
export function wordsOf(text: string): string[] {
  return (normalizeString(text).match(WORD) ?? []).map(capped);
}

/** The distinct words of the texts, in order of first appearance, up to `max` (the texts after that are not read). */
export function distinctWords(texts: Iterable<string>, max: number): string[] {
  const words = new Set<string>();
  for (const text of texts) {
    for (const word of wordsOf(text)) {
      words.add(word);
      if (words.size === max) return [...words];
    }
  }
  return [...words];
}
