/** Text folding for string search, and escaping for regular expressions. */

/**
 * Normalised form of a string for the default (starts-with) and :contains matches:
 * Ё/ё -> Е/е, diacritics removed (NFD, combining marks stripped), lower case,
 * whitespace collapsed and trimmed. "Ёлкин  Пётр" -> "елкин петр", "Émile" -> "emile".
 */
export function normalizeString(text: string): string {
  return text
    .replace(/Ё/g, 'Е')
    .replace(/ё/g, 'е')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Escapes a user's text for literal use inside a regular expression. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\\/-]/g, '\\$&');
}
