/**
 * The R4 primitive types as JSON Schema (https://hl7.org/fhir/R4/datatypes.html#primitive):
 * the JSON type, an ajv format named after the FHIR type for the lexical rules, and what the
 * type looks like in words, for messages. The schema's own patterns are tightened where they
 * let through what R4 forbids: calendar-impossible dates (2023-02-30), empty uris, and numbers
 * for integer types (a pattern does not apply to a JSON number).
 */
import type { Format } from 'ajv';

const INT_MAX = 2147483647;

const DATE = /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$/;
const DATE_TIME = /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$/;
const INSTANT = /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$/;
/** Whitespace in base64 is allowed (line breaks); the `=` padding only at the end. */
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

function twoDigits(value: string, at: number): number {
  return (value.charCodeAt(at) - 48) * 10 + value.charCodeAt(at + 1) - 48;
}

/** `2024-02-30` matches the R4 regex; R4 also says dates SHALL be valid dates. */
function isCalendarDay(value: string): boolean {
  if (value.length < 10) return true;
  const day = twoDigits(value, 8);
  if (day <= 28) return true;
  const month = twoDigits(value, 5);
  const year = twoDigits(value, 0) * 100 + twoDigits(value, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= daysInMonth;
}

function isBase64(value: string): boolean {
  if (!BASE64.test(value)) return false;
  const length = /\s/.test(value) ? value.replace(/\s+/g, '').length : value.length;
  return length > 0 && length % 4 === 0;
}

/** The ajv formats, one per string-valued R4 primitive type (and the server's `fhir-reference`, added elsewhere). */
export const PRIMITIVE_FORMATS: Record<string, Format> = {
  date: { type: 'string', validate: (v: string) => DATE.test(v) && isCalendarDay(v) },
  dateTime: { type: 'string', validate: (v: string) => DATE_TIME.test(v) && isCalendarDay(v) },
  instant: { type: 'string', validate: (v: string) => INSTANT.test(v) && isCalendarDay(v) },
  time: { type: 'string', validate: /^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?$/ },
  id: { type: 'string', validate: /^[A-Za-z0-9\-.]{1,64}$/ },
  code: { type: 'string', validate: /^[^\s]+(\s[^\s]+)*$/ },
  uri: { type: 'string', validate: /^\S+$/ },
  url: { type: 'string', validate: /^\S+$/ },
  canonical: { type: 'string', validate: /^\S+$/ },
  oid: { type: 'string', validate: /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/ },
  uuid: { type: 'string', validate: /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/ },
  // The schema's [ \r\n\t\S]+ rejects a no-break space, common in Russian text; R4 forbids only control characters.
  string: { type: 'string', validate: /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F]+$/ },
  markdown: { type: 'string', validate: /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F]+$/ },
  base64Binary: { type: 'string', validate: isBase64 },
  xhtml: { type: 'string', validate: /^\s*<div[\s>/]/ },
};

/** The JSON Schema of each R4 primitive type. */
export function primitiveSchema(type: string): Record<string, unknown> {
  switch (type) {
    case 'boolean': return { type: 'boolean' };
    case 'decimal': return { type: 'number' };
    case 'integer': return { type: 'integer', minimum: -INT_MAX - 1, maximum: INT_MAX };
    case 'positiveInt': return { type: 'integer', minimum: 1, maximum: INT_MAX };
    case 'unsignedInt': return { type: 'integer', minimum: 0, maximum: INT_MAX };
    default: return { type: 'string', format: type };
  }
}

export function isPrimitiveType(type: string): boolean {
  return type in PRIMITIVE_FORMATS || ['boolean', 'decimal', 'integer', 'positiveInt', 'unsignedInt'].includes(type);
}

/** What a value of each primitive type looks like, to finish "X must be ...". */
export const PRIMITIVE_SHAPES: Record<string, { en: string; ru: string }> = {
  boolean: { en: 'a boolean (true or false)', ru: 'логическим значением (true или false)' },
  decimal: { en: 'a decimal (a JSON number)', ru: 'десятичным числом (число JSON)' },
  integer: { en: `an integer (from ${-INT_MAX - 1} to ${INT_MAX})`, ru: `целым числом (от ${-INT_MAX - 1} до ${INT_MAX})` },
  positiveInt: { en: `a positiveInt (an integer from 1 to ${INT_MAX})`, ru: `положительным целым числом (от 1 до ${INT_MAX})` },
  unsignedInt: { en: `an unsignedInt (an integer from 0 to ${INT_MAX})`, ru: `неотрицательным целым числом (от 0 до ${INT_MAX})` },
  date: { en: 'a date (YYYY, YYYY-MM or YYYY-MM-DD, a real calendar day)', ru: 'датой (YYYY, YYYY-MM или YYYY-MM-DD, существующий календарный день)' },
  dateTime: {
    en: 'a dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone, e.g. 2024-03-01T09:30:00+03:00)',
    ru: 'датой-временем (YYYY, YYYY-MM, YYYY-MM-DD или YYYY-MM-DDThh:mm:ss с часовым поясом, например 2024-03-01T09:30:00+03:00)',
  },
  instant: {
    en: 'an instant (YYYY-MM-DDThh:mm:ss[.fff] with a time zone, e.g. 2024-03-01T09:30:00+03:00)',
    ru: 'моментом времени (YYYY-MM-DDThh:mm:ss[.fff] с часовым поясом, например 2024-03-01T09:30:00+03:00)',
  },
  time: { en: 'a time (hh:mm:ss)', ru: 'временем (hh:mm:ss)' },
  id: { en: 'an id (1 to 64 characters A-Z a-z 0-9 - .)', ru: 'идентификатором id (от 1 до 64 символов A-Z a-z 0-9 - .)' },
  code: { en: 'a code (not empty, no leading, trailing or double spaces)', ru: 'кодом (непустой, без пробелов в начале, в конце и двойных пробелов)' },
  uri: { en: 'a uri (not empty, no whitespace)', ru: 'URI (непустой, без пробелов)' },
  url: { en: 'a url (not empty, no whitespace)', ru: 'URL (непустой, без пробелов)' },
  canonical: { en: 'a canonical URL (not empty, no whitespace)', ru: 'канонической ссылкой (непустой URL без пробелов)' },
  oid: { en: 'an oid (urn:oid: and digits separated by dots, e.g. urn:oid:1.2.643.5.1.13)', ru: 'OID (urn:oid: и числа через точку, например urn:oid:1.2.643.5.1.13)' },
  uuid: { en: 'a uuid (urn:uuid: and a lower-case UUID)', ru: 'UUID (urn:uuid: и UUID строчными буквами)' },
  string: { en: 'a string (not empty, no control characters other than tab, CR and LF)', ru: 'строкой (непустой, без управляющих символов, кроме табуляции, CR и LF)' },
  markdown: { en: 'markdown (a non-empty string)', ru: 'текстом markdown (непустая строка)' },
  base64Binary: { en: 'base64Binary (base64-encoded data)', ru: 'данными base64Binary (в кодировке base64)' },
  xhtml: { en: 'xhtml (a <div> element)', ru: 'XHTML (элемент <div>)' },
};
