/** Text folding for string search, and escaping for regular expressions. */

const ASCII = /^[\x00-\x7f]*$/;
const MARK = /\p{M}/u;
const MARKS = /\p{M}/gu;
/** Whitespace that /\s+/ -> ' ' would change: two in a row, or one that is not a space. */
const UNTIDY_SPACE = /\s\s|[^\S ]/;

/**
 * Normalised form of a string for the default (starts-with) and :contains matches:
 * Ё/ё -> Е/е, diacritics removed (NFD, combining marks stripped), lower case,
 * whitespace collapsed and trimmed. "Ёлкин  Пётр" -> "елкин петр", "Émile" -> "emile".
 * ASCII text skips NFD; each step runs only when it would change something.
 */
export function normalizeString(text: string): string {
  let s: string;
  if (ASCII.test(text)) {
    s = text.toLowerCase();
  } else {
    // NFD splits Ё/ё into Е/е + U+0308, so dropping the marks also folds them.
    s = text.normalize('NFD');
    if (MARK.test(s)) s = s.replace(MARKS, '');
    s = s.toLowerCase();
  }
  if (UNTIDY_SPACE.test(s)) s = s.replace(/\s+/g, ' ');
  return s.trim();
}

/** Escapes a user's text for literal use inside a regular expression. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\\/-]/g, '\\$&');
}
