/**
 * JSON canonicalisation as RFC 8785 (JCS) defines it, which FHIR's JSON canonicalisation
 * (http://hl7.org/fhir/canonicalization/json) follows: no whitespace, object members sorted by
 * the UTF-16 code units of their names, ECMAScript number and string serialisation. Two JSON
 * texts with the same content in another order or spacing give the same bytes.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${value} has no JSON form`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? canonicalArray(value) : canonicalObject(value as Record<string, unknown>);
    default:
      throw new TypeError(`a ${typeof value} has no JSON form`);
  }
}

function canonicalArray(items: unknown[]): string {
  let text = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) text += ',';
    text += items[i] === undefined ? 'null' : canonicalJson(items[i]);
  }
  return text + ']';
}

function canonicalObject(object: Record<string, unknown>): string {
  const names = Object.keys(object);
  if (!inOrder(names)) names.sort();
  let text = '{';
  for (let i = 0; i < names.length; i++) {
    const value = object[names[i]!];
    if (value === undefined) continue;
    if (text.length > 1) text += ',';
    text += quotedName(names[i]!) + ':' + canonicalJson(value);
  }
  return text + '}';
}

/** Whether the names are sorted already (objects built in a fixed order often are): then no sort. */
function inOrder(names: string[]): boolean {
  for (let i = 1; i < names.length; i++) if (names[i - 1]! > names[i]!) return false;
  return true;
}

/** Member names repeat from object to object (FHIR's element names): each is quoted once. */
const QUOTED_NAMES = new Map<string, string>();
const MAX_QUOTED_NAMES = 4096;

function quotedName(name: string): string {
  let quoted = QUOTED_NAMES.get(name);
  if (quoted === undefined) {
    quoted = JSON.stringify(name);
    if (QUOTED_NAMES.size < MAX_QUOTED_NAMES) QUOTED_NAMES.set(name, quoted);
  }
  return quoted;
}
