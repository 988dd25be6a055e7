/** Parsing of one (comma-separated) search value, by parameter type and modifier. */
import { FhirError } from '../fhir/errors.js';
import type { Clause, Modifier, Prefix, SearchParameterDef, SearchValue, SystemCodes } from './types.js';
import { splitEscaped, unescapeValue } from './escape.js';
import { normalizeString } from './normalize.js';
import { parseDateRange } from './date-range.js';
import { parseNumberRange, type NumberRange } from './number-range.js';
import { normalizeReference } from './values/reference.js';
import { TerminologyError } from './terminology.js';
import { expandValueSet } from './value-sets.js';
import { codesAbove, codesBelow } from './code-hierarchy.js';
import { wordsOf } from './words.js';

const PREFIX = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=[0-9+\-.])/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** Words one `_text` / `_content` value may hold: each is one more condition on every candidate. */
const MAX_SEARCH_WORDS = 16;

function invalid(key: string, reason: string): FhirError {
  return new FhirError('FHIR_ERR_PARAM_INVALID', [key, reason]);
}

function splitPrefix(text: string): [Prefix, string] {
  const m = PREFIX.exec(text);
  return m ? [m[1] as Prefix, text.slice(2)] : ['eq', text];
}

function parseToken(key: string, part: string): SearchValue {
  const pieces = splitEscaped(part, '|').map(unescapeValue);
  if (pieces.length === 1) return { kind: 'token', code: pieces[0] };
  if (pieces.length > 2) throw invalid(key, `"${unescapeValue(part)}" has more than one "|" (escape it as \\|)`);
  const [system, code] = pieces;
  if (!system && !code) throw invalid(key, 'a token needs a system or a code around "|"');
  return { kind: 'token', system: system === '' ? null : system, ...(code !== '' ? { code } : {}) };
}

function parseString(part: string): SearchValue {
  const text = unescapeValue(part);
  return { kind: 'string', text, norm: normalizeString(text) };
}

/** `_text` / `_content`: the value's distinct words, all of which must begin words of the resource. */
function parseWords(key: string, part: string): SearchValue {
  const text = unescapeValue(part);
  const words = [...new Set(wordsOf(text))];
  if (words.length === 0) throw invalid(key, `"${text}" has no letters or digits to search for`);
  if (words.length > MAX_SEARCH_WORDS) throw invalid(key, `a value may hold at most ${MAX_SEARCH_WORDS} words, "${text.slice(0, 100)}" has ${words.length}`);
  return { kind: 'words', words };
}

function parseDate(key: string, part: string): SearchValue {
  const [prefix, rest] = splitPrefix(unescapeValue(part).trim());
  const range = parseDateRange(rest);
  if (!range) throw invalid(key, `"${rest}" is not a valid date (use YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss][Z|+hh:mm])`);
  return { kind: 'date', prefix, lo: range.lo, hi: range.hi };
}

function parseNumberPart(key: string, text: string): [Prefix, NumberRange] {
  const [prefix, rest] = splitPrefix(text.trim());
  const range = parseNumberRange(rest);
  if (!range) throw invalid(key, `"${text}" is not a number`);
  return [prefix, range];
}

function parseNumber(key: string, part: string): SearchValue {
  const [prefix, range] = parseNumberPart(key, unescapeValue(part));
  return { kind: 'number', prefix, ...range };
}

/** `[prefix]number`, or `[prefix]number|system|code` (system or code may be empty). */
function parseQuantity(key: string, part: string): SearchValue {
  const pieces = splitEscaped(part, '|').map(unescapeValue);
  if (pieces.length !== 1 && pieces.length !== 3) throw invalid(key, 'a quantity is number or number|system|code');
  const [prefix, range] = parseNumberPart(key, pieces[0]);
  const [, system, code] = pieces;
  return { kind: 'quantity', prefix, ...range, ...(system ? { system } : {}), ...(code ? { code } : {}) };
}

function parseIdentifier(key: string, part: string): SearchValue {
  const pieces = splitEscaped(part, '|').map(unescapeValue);
  if (pieces.length > 2 || !pieces[pieces.length - 1]) throw invalid(key, 'use :identifier=system|value or :identifier=value');
  return pieces.length === 2 ? { kind: 'identifier', system: pieces[0], value: pieces[1] } : { kind: 'identifier', value: pieces[0] };
}

/** `id`, `Type/id`, `Type/id/_history/n`, an absolute URL, or another raw reference (urn:uuid, canonical). */
function parseReference(key: string, def: SearchParameterDef, targetType: string | undefined, part: string): SearchValue {
  const text = unescapeValue(part).trim();
  if (ID.test(text)) {
    if (targetType) return { kind: 'reference', refs: [`${targetType}/${text}`] };
    if (def.target?.length) return { kind: 'reference', refs: def.target.map((t) => `${t}/${text}`) };
    return { kind: 'reference', refs: [], id: text };
  }
  const ref = normalizeReference(text);
  if (targetType && ref.includes('/') && !ref.startsWith(`${targetType}/`) && !text.includes(':')) {
    throw invalid(key, `"${text}" is not a ${targetType} reference`);
  }
  return { kind: 'reference', refs: [ref] };
}

/** Turns a TerminologyError (unknown ValueSet, no local hierarchy...) into a 400 naming the parameter. */
function withTerminology(key: string, concepts: () => SystemCodes[]): SearchValue {
  try {
    return { kind: 'concepts', concepts: concepts() };
  } catch (err) {
    if (err instanceof TerminologyError) throw invalid(key, err.message);
    throw err;
  }
}

/** `:above` / `:below` on a token: the code with its ancestors / descendants in a local CodeSystem. */
function parseSubsumption(key: string, modifier: 'above' | 'below', part: string): SearchValue {
  const token = parseToken(key, part);
  if (token.kind !== 'token' || !token.system || token.code === undefined) {
    throw invalid(key, `:${modifier} needs system|code, so that the code system's hierarchy is known`);
  }
  const { system, code } = token;
  return withTerminology(key, () => [{ system, codes: modifier === 'below' ? codesBelow(system, code) : codesAbove(system, code) }]);
}

/** `[prefix]value$[prefix]value...`: one part per component, each parsed as its component's type. */
function parseComposite(key: string, def: SearchParameterDef, part: string): SearchValue {
  const components = def.components ?? [];
  const pieces = splitEscaped(part, '$');
  if (pieces.length !== components.length) {
    throw invalid(key, `a ${def.code} value has ${components.length} parts separated by "$" (escape a literal one as \\$)`);
  }
  return {
    kind: 'composite',
    parts: pieces.map((piece, i) => {
      const component = components[i];
      if (unescapeValue(piece).trim() === '') throw invalid(key, `part ${i + 1} (${component.code}) is empty`);
      return parseValue(key, component, { param: component.code, type: component.type, values: [] }, piece);
    }),
  };
}

/** The value of a token search with a terminology modifier (:in, :not-in, :above, :below). */
function parseTerminology(key: string, modifier: Modifier, part: string): SearchValue | undefined {
  switch (modifier) {
    case 'in': case 'not-in': return withTerminology(key, () => expandValueSet(unescapeValue(part).trim()));
    case 'above': case 'below': return parseSubsumption(key, modifier, part);
    default: return undefined;
  }
}

export function parseValue(key: string, def: SearchParameterDef, clause: Clause, part: string): SearchValue {
  if (def.words) return parseWords(key, part);
  if (clause.modifier === 'text') return parseString(part);
  if (clause.modifier === 'identifier') return parseIdentifier(key, part);
  const terminology = def.type === 'token' && clause.modifier ? parseTerminology(key, clause.modifier, part) : undefined;
  if (terminology) return terminology;
  switch (def.type) {
    case 'token': return parseToken(key, part);
    case 'string': return parseString(part);
    case 'date': return parseDate(key, part);
    case 'number': return parseNumber(key, part);
    case 'quantity': return parseQuantity(key, part);
    case 'reference': return parseReference(key, def, clause.targetType, part);
    case 'uri': return { kind: 'uri', uri: unescapeValue(part).trim() };
    case 'composite': return parseComposite(key, def, part);
    default: throw invalid(key, `${def.type} parameters are not supported`);
  }
}
