const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * Whether JSON text nests objects and arrays deeper than maxDepth, found by one pass over the raw
 * text before it is parsed: a hostile body of 10^6 brackets would otherwise build a deep object
 * graph that overflows the stack of every recursive walk after it. Strings are skipped whole
 * (their brackets are text); malformed text is left for JSON.parse to report.
 */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  if (openingBracketsAtMost(text, maxDepth)) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === QUOTE) {
      i = closingQuoteOf(text, i);
      if (i < 0) return false;
    } else if (char === OPEN_OBJECT || char === OPEN_ARRAY) {
      if (++depth > maxDepth) return true;
    } else if (char === CLOSE_OBJECT || char === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}

/** Whether the text holds at most `count` opening brackets, in strings or not: then it cannot nest deeper (found natively, without a pass in JavaScript). */
function openingBracketsAtMost(text: string, count: number): boolean {
  let found = 0;
  for (const bracket of ['{', '[']) {
    for (let at = text.indexOf(bracket); at >= 0; at = text.indexOf(bracket, at + 1)) {
      if (++found > count) return false;
    }
  }
  return true;
}

/** The index of the quote that ends the string opened at `open`, or -1 when it never ends. */
function closingQuoteOf(text: string, open: number): number {
  let quote = text.indexOf('"', open + 1);
  while (quote >= 0 && isEscaped(text, quote)) quote = text.indexOf('"', quote + 1);
  return quote;
}

/** A quote is escaped when an odd number of backslashes stands right before it. */
function isEscaped(text: string, index: number): boolean {
  let backslashes = 0;
  while (text.charCodeAt(index - 1 - backslashes) === BACKSLASH) backslashes++;
  return backslashes % 2 === 1;
}
