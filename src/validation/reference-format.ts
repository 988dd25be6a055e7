/**
 * The forms Reference.reference may take (https://hl7.org/fhir/R4/references.html#literal):
 * a relative `Type/id` or `Type/id/_history/version` with a known R4 type and a valid id, an
 * absolute URL, `urn:uuid:` or `urn:oid:` (Bundle-internal), or `#id` of a contained resource
 * (`#` alone is the containing resource). A conditional reference `Type?search` is accepted
 * too: in a transaction the server resolves it before anything is stored.
 */
import { R4_RESOURCE_TYPES } from './r4-element-plan.js';

export interface ReferenceProblem {
  en: string;
  ru: string;
}

const RELATIVE = /^([A-Za-z]+)\/([^/]*)(?:\/_history\/([^/]*))?$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const LOCAL = /^#[A-Za-z0-9\-.]{0,64}$/;
/** The uuid type wants lower case; in a reference (a string) either case is taken. */
const UUID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OID = /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/;
/** A lower-case URI scheme, so `Patient:123` is not taken for one. */
const ABSOLUTE = /^[a-z][a-z0-9+.-]*:\S+$/;
const CONDITIONAL = /^([A-Za-z]+)\?\S+$/;

const EXPECTED = {
  en: 'expected Type/id (e.g. Patient/123), Type/id/_history/version, an absolute URL, urn:uuid:..., urn:oid:... or #id of a contained resource',
  ru: 'ожидается Тип/id (например, Patient/123), Тип/id/_history/версия, абсолютный URL, urn:uuid:..., urn:oid:... или #id вложенного (contained) ресурса',
};

/** Why the reference is malformed, or undefined when it is well-formed. */
export function referenceProblem(reference: string): ReferenceProblem | undefined {
  const relative = RELATIVE.exec(reference);
  if (relative) return relativeProblem(relative[1]!, relative[2]!, relative[3]);
  if (reference.startsWith('#')) return LOCAL.test(reference) ? undefined : { en: `the part after # must be the id of a contained resource; ${EXPECTED.en}`, ru: `после # должен стоять id вложенного ресурса; ${EXPECTED.ru}` };
  if (reference.startsWith('urn:uuid:')) return UUID.test(reference) ? undefined : { en: 'urn:uuid: must be followed by a UUID (8-4-4-4-12 hex digits)', ru: 'после urn:uuid: должен стоять UUID (8-4-4-4-12 шестнадцатеричных цифр)' };
  if (reference.startsWith('urn:oid:')) return OID.test(reference) ? undefined : { en: 'urn:oid: must be followed by an OID such as 1.2.643.5.1.13', ru: 'после urn:oid: должен стоять OID, например 1.2.643.5.1.13' };
  const conditional = CONDITIONAL.exec(reference);
  if (conditional) return typeProblem(conditional[1]!);
  if (ABSOLUTE.test(reference)) return undefined;
  return /\s/.test(reference) ? { en: `a reference may not contain whitespace; ${EXPECTED.en}`, ru: `ссылка не может содержать пробелы; ${EXPECTED.ru}` } : EXPECTED;
}

function relativeProblem(type: string, id: string, version: string | undefined): ReferenceProblem | undefined {
  const problem = typeProblem(type);
  if (problem) return problem;
  if (!ID.test(id)) return { en: `"${id}" is not a valid id (1 to 64 characters A-Z a-z 0-9 - .)`, ru: `"${id}" не является допустимым id (от 1 до 64 символов A-Z a-z 0-9 - .)` };
  if (version !== undefined && !ID.test(version)) return { en: `"${version}" is not a valid version id`, ru: `"${version}" не является допустимым идентификатором версии` };
  return undefined;
}

function typeProblem(type: string): ReferenceProblem | undefined {
  if (R4_RESOURCE_TYPES.has(type)) return undefined;
  return { en: `${type} is not an R4 resource type; ${EXPECTED.en}`, ru: `${type} не является типом ресурса R4; ${EXPECTED.ru}` };
}

export function isWellFormedReference(reference: string): boolean {
  return referenceProblem(reference) === undefined;
}
