/** The readable text of an XHTML narrative (`text.div`, `section.text.div`): tags gone, entities decoded. */

const COMMENT = /<!--[\s\S]*?-->/g;
/** Narrative XHTML escapes `<` in text, so every `<` opens a tag (or comment). */
const TAG = /<[^>]*>/g;
const ENTITY = /&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]+);/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
const MAX_CODE_POINT = 0x10ffff;

function decodeEntity(entity: string, body: string): string {
  if (!body.startsWith('#')) return NAMED[body] ?? ' '; // other named entities are not XML's: no text of their own
  const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : Number(body.slice(1));
  return code > 0 && code <= MAX_CODE_POINT ? String.fromCodePoint(code) : entity;
}

/** A tag becomes a space, so that the words of adjacent cells or paragraphs stay apart. */
export function narrativeText(div: string): string {
  return div.replace(COMMENT, ' ').replace(TAG, ' ').replace(ENTITY, decodeEntity);
}
