/**
 * What an index has ever stored in each field, as far as sorting is concerned.
 * An index can hand out documents in sort order only for fields that never
 * held an array (multikey) and never held a value whose key order may differ
 * from mingo's sort order. Both lists only grow, like MongoDB's multikey flag,
 * and are updated in the write transaction that stores the document.
 * Definitions stored before traits existed lack the lists: unknown traits never
 * provide sort order (or exact counts) until createIndex is called again and fills them in.
 */
import { type IndexDef, compileIndex } from './index-keys.ts';
import { MAX_STRING_KEY_BYTES, isPlainObject } from './key-codec.ts';

export interface FieldTraits {
  /** Fields that held an array somewhere along their path. */
  multikey: string[];
  /** Fields that held a value the key order cannot sort like mingo (see `orderSafe`). */
  unordered: string[];
  /**
   * Prefixes of the fields (`idx`, `idx.token` for `idx.token.p`) that held something other than
   * nothing or an array of non-arrays: keys made from such a document need not match `$elemMatch`
   * on that prefix (index keys expand objects and nested arrays; `$elemMatch` does not).
   */
  irregular: string[];
}

interface Resolved {
  value: unknown;
  viaArray: boolean;
}

function resolvePath(doc: unknown, segs: string[]): Resolved {
  let value = doc;
  for (const seg of segs) {
    if (Array.isArray(value)) return { value, viaArray: true };
    value = isPlainObject(value) ? value[seg] : undefined;
  }
  return { value, viaArray: Array.isArray(value) };
}

/**
 * Values whose index key sorts exactly where mingo's sort puts them. Excluded:
 * NaN and invalid dates (mingo compares them inconsistently), strings with
 * UTF-16 code units from U+D800 up (UTF-8 byte order differs from UTF-16 there),
 * strings long enough to be truncated in keys, and types other than these.
 */
function orderSafe(v: unknown): boolean {
  if (v === undefined || v === null || typeof v === 'boolean' || isPlainObject(v)) return true;
  if (typeof v === 'number') return !Number.isNaN(v);
  if (v instanceof Date) return !Number.isNaN(v.getTime());
  if (typeof v === 'string') return !/[\uD800-\uFFFF]/.test(v) && (v.length * 3 <= MAX_STRING_KEY_BYTES || Buffer.byteLength(v) <= MAX_STRING_KEY_BYTES);
  return false;
}

export function traitsKnown(def: IndexDef): boolean {
  return Array.isArray(def.multikey) && Array.isArray(def.unordered) && Array.isArray(def.irregular);
}

/** Whether every document the index holds had, at `path`, nothing or an array of non-array elements. */
export function elementsRegular(def: IndexDef, path: string): boolean {
  return traitsKnown(def) && !def.irregular!.includes(path);
}

const prefixesOfSegs = new WeakMap<string[][], string[][]>();

/** The proper prefixes of the fields: `a`, `a.b` for `a.b.c` (worked out once per compiled index). */
function prefixesOf(segs: string[][]): string[][] {
  let prefixes = prefixesOfSegs.get(segs);
  if (!prefixes) {
    const seen = new Map<string, string[]>();
    for (const field of segs) for (let n = 1; n < field.length; n++) seen.set(field.slice(0, n).join('.'), field.slice(0, n));
    prefixesOfSegs.set(segs, (prefixes = [...seen.values()]));
  }
  return prefixes;
}

/** Nothing at `segs`, or an array of non-arrays reached without crossing an array on the way. */
function isRegularAt(doc: unknown, segs: string[]): boolean {
  let value = doc;
  for (const seg of segs) {
    if (Array.isArray(value)) return false;
    value = isPlainObject(value) ? value[seg] : undefined;
  }
  if (value === undefined || value === null) return true;
  return Array.isArray(value) && !value.some(Array.isArray);
}

/** Every trait `doc` has for the fields of `def`, or null if none. */
export function docTraits(def: IndexDef, doc: unknown): FieldTraits | null {
  const { fields, segs } = compileIndex(def);
  let multikey: string[] | null = null;
  let unordered: string[] | null = null;
  for (let i = 0; i < fields.length; i++) {
    const { value, viaArray } = resolvePath(doc, segs[i]);
    if (viaArray) (multikey ??= []).push(fields[i]);
    else if (!orderSafe(value)) (unordered ??= []).push(fields[i]);
  }
  const irregular = prefixesOf(segs).filter((prefix) => !isRegularAt(doc, prefix)).map((prefix) => prefix.join('.'));
  if (!multikey && !unordered && irregular.length === 0) return null;
  return { multikey: multikey ?? [], unordered: unordered ?? [], irregular };
}

/** The part of `traits` that `def` has not recorded yet, or null if none (or `def` tracks none). */
export function missingTraits(def: IndexDef, traits: FieldTraits | null): FieldTraits | null {
  if (!traits || !traitsKnown(def)) return null;
  const multikey = traits.multikey.filter((f) => !def.multikey?.includes(f));
  const unordered = traits.unordered.filter((f) => !def.unordered?.includes(f));
  const irregular = traits.irregular.filter((f) => !def.irregular?.includes(f));
  return multikey.length + unordered.length + irregular.length > 0 ? { multikey, unordered, irregular } : null;
}

/** Traits of `doc` that `def` has not recorded yet, or null if there are none (or `def` tracks none). */
export function newTraits(def: IndexDef, doc: unknown): FieldTraits | null {
  if (!traitsKnown(def)) return null;
  return missingTraits(def, docTraits(def, doc));
}

export function withTraits(def: IndexDef, traits: FieldTraits): IndexDef {
  const union = (a: string[] | undefined, b: string[]) => [...new Set([...(a ?? []), ...b])];
  return {
    ...def,
    multikey: union(def.multikey, traits.multikey),
    unordered: union(def.unordered, traits.unordered),
    irregular: union(def.irregular, traits.irregular),
  };
}

/** Whether the index's key order is mingo's sort order for this field. */
export function sortsLikeMingo(def: IndexDef, field: string): boolean {
  if (!traitsKnown(def)) return false;
  return !def.multikey?.includes(field) && !def.unordered?.includes(field) && !field.split('.').some((s) => /^\d+$/.test(s));
}
