/**
 * Conditions on one `idx` entry (the inside of an `$elemMatch`, without `p`) for each
 * kind of search value. User input only ever appears as plain values or escaped regexes.
 */
import type { Filter } from '../store/types.js';
import type { Modifier, Prefix, SearchValue } from './types.js';
import { escapeRegex } from './normalize.js';
import { identifierKey } from './values/reference.js';

type Value<K extends SearchValue['kind']> = Extract<SearchValue, { kind: K }>;

const MAX_CHAR = '\uffff';

/** Starts-with as a range, so that an index on the field can serve it. */
export function startsWith(prefix: string): Filter {
  return { $gte: prefix, $lt: prefix + MAX_CHAR };
}

/** Joins conditions on one entry; conditions sharing a key go under $and. */
export function allOf(conds: Filter[]): Filter {
  const keys = conds.flatMap((c) => Object.keys(c));
  if (new Set(keys).size === keys.length) return Object.assign({}, ...conds);
  return { $and: conds };
}

/**
 * Stored range lo..hi against the search range a..b (search.html#prefix):
 * eq: a contains the value; gt/lt: the value reaches above/below; ge/le: gt/lt or eq;
 * sa/eb: the value starts after / ends before; ap: overlaps a widened range.
 */
export function rangeCondition<T extends Date | number>(prefix: Prefix, a: T, b: T): Filter {
  const eq = { lo: { $gte: a }, hi: { $lte: b } };
  switch (prefix) {
    case 'eq': return eq;
    case 'ne': return { $or: [{ lo: { $lt: a } }, { hi: { $gt: b } }] };
    case 'gt': return { hi: { $gt: b } };
    case 'lt': return { lo: { $lt: a } };
    case 'ge': return { $or: [{ hi: { $gt: b } }, eq] };
    case 'le': return { $or: [{ lo: { $lt: a } }, eq] };
    case 'sa': return { lo: { $gt: b } };
    case 'eb': return { hi: { $lt: a } };
    case 'ap': return { lo: { $lte: b }, hi: { $gte: a } };
  }
}

/** "Approximately" for dates: widened by 10% of the distance between now and the value. */
export function approximateDates(lo: Date, hi: Date, now = Date.now()): [Date, Date] {
  const mid = (lo.getTime() + hi.getTime()) / 2;
  const gap = Math.abs(now - mid) * 0.1;
  return [new Date(lo.getTime() - gap), new Date(hi.getTime() + gap)];
}

function dateCondition(v: Value<'date'>): Filter {
  if (v.prefix !== 'ap') return rangeCondition(v.prefix, v.lo, v.hi);
  const [a, b] = approximateDates(v.lo, v.hi);
  return rangeCondition('ap', a, b);
}

/**
 * Numbers and quantities compare the stored value `v` (its written precision is lost
 * in JSON: 5.0 arrives as 5): eq/ne use the search value's implicit precision
 * [lo, hi); gt, lt, ge, le, sa, eb ignore it (search.html#number); ap is within 10%.
 */
function numberCondition({ prefix, value, lo, hi }: { prefix: Prefix; value: number; lo: number; hi: number }): Filter {
  const tenth = Math.abs(value) * 0.1;
  switch (prefix) {
    case 'eq': return { v: { $gte: lo, $lt: hi } };
    case 'ne': return { $or: [{ v: { $lt: lo } }, { v: { $gte: hi } }] };
    case 'gt': case 'sa': return { v: { $gt: value } };
    case 'lt': case 'eb': return { v: { $lt: value } };
    case 'ge': return { v: { $gte: value } };
    case 'le': return { v: { $lte: value } };
    case 'ap': return { v: { $gte: Math.min(lo, value - tenth), $lte: Math.max(hi, value + tenth) } };
  }
}

/** Units: with a system, system and code must match; without one, the code or the unit text. */
function quantityCondition(v: Value<'quantity'>): Filter {
  const conds = [numberCondition(v)];
  if (v.system) conds.push({ s: v.system });
  if (v.code) conds.push(v.system ? { c: v.code } : { $or: [{ c: v.code }, { u: v.code }] });
  return allOf(conds);
}

function tokenCondition(v: Value<'token'>): Filter {
  const cond: Filter = {};
  if (v.system === null) cond.s = { $exists: false };
  else if (v.system !== undefined) cond.s = v.system;
  if (v.code !== undefined) cond.c = v.code;
  return cond;
}

function stringCondition(v: Value<'string'>, modifier?: Modifier): Filter {
  if (modifier === 'exact') return { n: v.norm, x: v.text }; // n lets the string index serve it
  if (modifier === 'contains') return { n: { $regex: escapeRegex(v.norm) } };
  if (modifier === 'text') return { t: startsWith(v.norm) };
  return { n: startsWith(v.norm) };
}

function referenceCondition(v: Value<'reference'>): Filter {
  if (v.id !== undefined) return { r: { $regex: `^[A-Za-z]+/${escapeRegex(v.id)}$` } };
  return v.refs.length === 1 ? { r: v.refs[0] } : { r: { $in: v.refs } };
}

function identifierCondition(v: Value<'identifier'>): Filter {
  if (v.system !== undefined) return { i: identifierKey(v.system, v.value) };
  return { i: { $regex: `\\|${escapeRegex(v.value)}$` } };
}

/** "http://a/b/c" -> ["http://a/b/c", "http://a/b", "http://a"]: the uris it is below. */
export function uriAncestors(uri: string): string[] {
  const parts = uri.split('/');
  const minParts = uri.includes('://') ? 3 : 1;
  const out: string[] = [];
  for (let n = parts.length; n >= minParts; n--) out.push(parts.slice(0, n).join('/'));
  return out.filter((u) => u.length > 0);
}

function uriCondition(v: Value<'uri'>, modifier?: Modifier): Filter {
  if (modifier === 'below') return { u: startsWith(v.uri) };
  if (modifier === 'above') return { u: { $in: uriAncestors(v.uri) } };
  return { u: v.uri };
}

/**
 * Any of the codes, by system. An entry without a system matches on its code alone: plain
 * `code` elements (Observation.status, Patient.gender) are indexed without their system.
 */
function conceptsCondition(v: Value<'concepts'>): Filter {
  const groups = v.concepts.filter((g) => g.codes.length > 0).map(({ system, codes }): Filter => ({
    c: codes.length === 1 ? codes[0] : { $in: codes },
    $or: [{ s: system }, { s: { $exists: false } }],
  }));
  if (groups.length === 0) return { c: { $in: [] } };
  return groups.length === 1 ? groups[0] : { $or: groups };
}

/** A condition on one component's entry fields, renamed to that component's keys (`c<i><field>`). */
function onComponent(cond: Filter, i: number): Filter {
  const out: Filter = {};
  for (const [key, value] of Object.entries(cond)) {
    if (!key.startsWith('$')) out[`c${i}${key}`] = value;
    else out[key] = Array.isArray(value) ? value.map((sub: Filter) => onComponent(sub, i)) : value;
  }
  return out;
}

/** Every component's condition on the same composite entry, so all hold within one element. */
function compositeCondition(v: Value<'composite'>): Filter {
  return allOf(v.parts.map((part, i) => onComponent(entryCondition(part) ?? {}, i)));
}

/** The condition on one idx entry for a value; undefined for `missing` and `words` (compile.ts handles them). */
export function entryCondition(v: SearchValue, modifier?: Modifier): Filter | undefined {
  switch (v.kind) {
    case 'token': return tokenCondition(v);
    case 'string': return stringCondition(v, modifier);
    case 'date': return dateCondition(v);
    case 'number': return numberCondition(v);
    case 'quantity': return quantityCondition(v);
    case 'reference': return referenceCondition(v);
    case 'identifier': return identifierCondition(v);
    case 'uri': return uriCondition(v, modifier);
    case 'concepts': return conceptsCondition(v);
    case 'composite': return compositeCondition(v);
    case 'missing': case 'words': return undefined;
  }
}
