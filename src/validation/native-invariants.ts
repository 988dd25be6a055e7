/**
 * Plain-code versions of the profiles' own FHIRPath invariants, by exact expression text:
 * fhirpath.js takes 10-100 µs per evaluation, these well under one. An invariant whose
 * expression is not here (or was edited) is evaluated by fhirpath.js instead, so the two may
 * never disagree: a test runs both over the same resources.
 */
type Json = Record<string, unknown>;

/** True when the invariant holds for `item` (the element's value). */
export type NativeInvariant = (item: unknown) => boolean;

const UCUM = 'http://unitsofmeasure.org';
const UNITS_OID = 'urn:oid:1.2.643.5.1.13.13.11.1358';
const PATIENT_IDENTIFYING = ['urn:oid:1.2.643.100.3', 'urn:oid:1.2.643.2.69.1.1.1.6.223', 'urn:oid:1.2.643.2.69.1.1.1.6.228', 'urn:oid:1.2.643.2.69.1.1.1.6.14'];
const ORGANIZATION_IDENTIFYING = ['urn:oid:1.2.643.5.1.13.13.11.1461', 'urn:oid:1.2.643.100.1'];
const MAX_ATTACHMENT_BYTES = 10485760;
/** Base64 characters of MAX_ATTACHMENT_BYTES bytes. */
const MAX_ATTACHMENT_BASE64 = 13981016;

function asObject(value: unknown): Json {
  return value !== null && typeof value === 'object' ? (value as Json) : {};
}

function has(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

/** A FHIRPath `value` of a choice element: any `value<Type>` property. */
function hasChoice(item: Json, stem: string): boolean {
  for (const key in item) if (key.startsWith(stem) && key.length > stem.length && /[A-Z]/.test(key[stem.length]!) && has(item[key])) return true;
  return false;
}

function hasIdentifierValue(item: unknown, systems: readonly string[]): boolean {
  const identifiers = asObject(item).identifier;
  if (!Array.isArray(identifiers)) return false;
  return identifiers.some((i: Json) => systems.includes(i?.system as string) && typeof i.value === 'string');
}

function matching(pattern: RegExp): NativeInvariant {
  return (item) => typeof item !== 'string' || pattern.test(item);
}

export const NATIVE_INVARIANTS: ReadonlyMap<string, NativeInvariant> = new Map<string, NativeInvariant>([
  [
    "identifier.where(system = 'urn:oid:1.2.643.100.3' or system = 'urn:oid:1.2.643.2.69.1.1.1.6.223' or system = 'urn:oid:1.2.643.2.69.1.1.1.6.228' or system = 'urn:oid:1.2.643.2.69.1.1.1.6.14').value.exists()",
    (item) => hasIdentifierValue(item, PATIENT_IDENTIFYING),
  ],
  [
    "identifier.where(system = 'urn:oid:1.2.643.5.1.13.13.11.1461' or system = 'urn:oid:1.2.643.100.1').value.exists()",
    (item) => hasIdentifierValue(item, ORGANIZATION_IDENTIFYING),
  ],
  ["matches('^[0-9]{4}:[0-9]{6}$')", matching(/^[0-9]{4}:[0-9]{6}$/)],
  ["matches('^1[.]2[.]643[.]5[.]1[.]13[.]13[.]12[.]2[.][0-9]+[.][0-9]+$')", matching(/^1[.]2[.]643[.]5[.]1[.]13[.]13[.]12[.]2[.][0-9]+[.][0-9]+$/)],
  ['given.count() >= 2', (item) => {
    const given = asObject(item).given;
    return Array.isArray(given) && given.length >= 2;
  }],
  ['value.exists() or dataAbsentReason.exists()', (item) => hasChoice(asObject(item), 'value') || has(asObject(item).dataAbsentReason)],
  [
    "value.ofType(Quantity).all(code.exists() and (system = 'http://unitsofmeasure.org' or system = 'urn:oid:1.2.643.5.1.13.13.11.1358'))",
    (item) => {
      const quantity = asObject(item).valueQuantity;
      if (quantity === undefined) return true;
      const { code, system } = asObject(quantity);
      return has(code) && (system === UCUM || system === UNITS_OID);
    },
  ],
  ['low.exists() or high.exists() or text.exists()', (item) => {
    const range = asObject(item);
    return has(range.low) || has(range.high) || has(range.text);
  }],
  ["contentType.matches('^application/(pdf|pkcs7-mime)( *;.*)?$')", (item) => {
    const contentType = asObject(item).contentType;
    return typeof contentType !== 'string' || /^application\/(pdf|pkcs7-mime)( *;.*)?$/.test(contentType);
  }],
  [
    '(size.exists() implies size <= 10485760) and (data.exists() implies data.length() <= 13981016)',
    (item) => {
      const { size, data } = asObject(item);
      const sizeOk = typeof size !== 'number' || size <= MAX_ATTACHMENT_BYTES;
      return sizeOk && (typeof data !== 'string' || data.length <= MAX_ATTACHMENT_BASE64);
    },
  ],
]);
