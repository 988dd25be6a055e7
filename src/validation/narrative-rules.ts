/**
 * The R4 narrative invariants on Narrative.div, in plain code. R4 writes both as `htmlChecks()`;
 * fhirpath.js 5.2.0 implements that function, but with a narrower allow list than R4's txt-1
 * (it refuses `xml:lang`, `<ol start>`, `<a rel>`... which HL7's own IPS examples use and the
 * HL7 Java validator accepts), and as one check, so an empty narrative would break both rules.
 * - txt-1: only the elements and attributes R4's txt-1 lists (plus `xml:lang` and the XHTML
 *   `xmlns`), in well-formed XHTML under one root `div`, with no entities beyond XML's five.
 * - txt-2: some non-whitespace text, or an image.
 */
const ELEMENTS = new Set([
  'a', 'abbr', 'acronym', 'b', 'big', 'blockquote', 'br', 'caption', 'cite', 'code', 'col', 'colgroup', 'dd',
  'dfn', 'div', 'dl', 'dt', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'li', 'ol', 'p', 'pre',
  'q', 'samp', 'small', 'span', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr',
  'tt', 'ul', 'var',
]);
const ATTRIBUTES = new Set([
  'abbr', 'accesskey', 'align', 'alt', 'axis', 'bgcolor', 'border', 'cellhalign', 'cellpadding', 'cellspacing',
  'cellvalign', 'char', 'charoff', 'charset', 'cite', 'class', 'colspan', 'compact', 'coords', 'dir', 'frame',
  'headers', 'height', 'href', 'hreflang', 'hspace', 'id', 'lang', 'longdesc', 'name', 'nowrap', 'rel', 'rev',
  'rowspan', 'rules', 'scope', 'shape', 'span', 'src', 'start', 'style', 'summary', 'tabindex', 'title', 'type',
  'valign', 'value', 'vspace', 'width', 'xml:lang',
]);
const XHTML_NAMESPACE = 'http://www.w3.org/1999/xhtml';
const XML_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

const START_TAG = /<([A-Za-z][\w:.-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/y;
const END_TAG = /<\/([A-Za-z][\w:.-]*)\s*>/y;
const COMMENT = /<!--(?:(?!--)[\s\S])*-->/y;
const ATTRIBUTE = /\s+([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const REFERENCE = /&(?:#(\d+)|#x([0-9a-fA-F]+)|([A-Za-z][\w.-]*));|&/g;

// exec() loops on shared global patterns: matchAll() would copy the pattern on every call.
function attributesAllowed(attributes: string): boolean {
  ATTRIBUTE.lastIndex = 0;
  for (let match = ATTRIBUTE.exec(attributes); match; match = ATTRIBUTE.exec(attributes)) {
    const name = match[1];
    const value = match[2] ?? match[3];
    if (name === 'xmlns' ? value !== XHTML_NAMESPACE : !ATTRIBUTES.has(name)) return false;
  }
  return true;
}

function referencesAllowed(text: string): boolean {
  if (!text.includes('&')) return true;
  REFERENCE.lastIndex = 0;
  for (let match = REFERENCE.exec(text); match; match = REFERENCE.exec(text)) {
    if (match[1] === undefined && match[2] === undefined && !XML_ENTITIES.has(match[3] ?? '')) return false;
  }
  return true;
}

function matchAt(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(text);
}

/** One start tag at `at`: its name is pushed unless it closes itself; undefined when not allowed. */
function startTag(div: string, at: number, open: string[]): number | undefined {
  const tag = matchAt(START_TAG, div, at);
  if (!tag || !ELEMENTS.has(tag[1]) || !attributesAllowed(tag[2]) || !referencesAllowed(tag[2])) return undefined;
  if (open.length === 0 && tag[1] !== 'div') return undefined;
  if (tag[3] !== '/') open.push(tag[1]);
  return START_TAG.lastIndex;
}

/** txt-1. */
export function isBasicXhtml(div: string): boolean {
  const open: string[] = [];
  let rootClosed = false;
  let at = 0;
  while (at < div.length) {
    const tagAt = div.indexOf('<', at);
    if (tagAt !== at) {
      const text = div.slice(at, tagAt < 0 ? div.length : tagAt);
      if ((open.length === 0 && text.trim() !== '') || !referencesAllowed(text)) return false;
      at += text.length;
      continue;
    }
    if (div.startsWith('<!--', at)) {
      if (!matchAt(COMMENT, div, at)) return false;
      at = COMMENT.lastIndex;
      continue;
    }
    if (div.startsWith('</', at)) {
      const tag = matchAt(END_TAG, div, at);
      if (!tag || open.pop() !== tag[1]) return false;
      rootClosed = open.length === 0;
      at = END_TAG.lastIndex;
      continue;
    }
    if (rootClosed) return false;
    const next = startTag(div, at, open);
    if (next === undefined) return false;
    rootClosed = open.length === 0;
    at = next;
  }
  return open.length === 0 && rootClosed;
}

/** txt-2: text in a narrative follows the end of a tag, so some `>` is followed by a non-space that opens no tag. */
export function hasNarrativeContent(div: string): boolean {
  return />\s*[^\s<]/.test(div) || /<img\s[^>]*\bsrc\s*=/i.test(div);
}
