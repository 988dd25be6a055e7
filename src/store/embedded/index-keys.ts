/**
 * Multikey index key generation. Arrays are expanded at every level (a superset
 * of what MongoDB or mingo can match), and fields that share an array prefix
 * (idx.p, idx.s, idx.c) are paired per array element instead of cross-multiplied,
 * which is what lets `$elemMatch` bound several fields of one element.
 * Missing values index as null, like MongoDB.
 */
import { encodeComponent, encodePrimaryKey, isPlainObject } from './key-codec.ts';

export interface IndexDef {
  name: string;
  key: Record<string, 1 | -1>;
  unique: boolean;
  /** Fields that have held an array (see index-traits.ts). */
  multikey?: string[];
  /** Fields that have held a value whose key order is not mingo's sort order (see index-traits.ts). */
  unordered?: string[];
}

interface PendingField {
  slot: number;
  segs: string[];
}

type Tuple = unknown[];

/** Guards against a pathological document turning into millions of keys. */
const MAX_KEYS_PER_DOC = 10_000;

function cartesian(width: number, parts: Tuple[][]): Tuple[] {
  let acc: Tuple[] = [new Array(width).fill(undefined)];
  for (const options of parts) {
    const next: Tuple[] = [];
    for (const base of acc) {
      for (const opt of options) {
        const merged = base.slice();
        opt.forEach((v, i) => {
          if (v !== undefined) merged[i] = v;
        });
        next.push(merged);
        if (next.length > MAX_KEYS_PER_DOC) throw new Error('Too many index keys for one document');
      }
    }
    acc = next;
  }
  return acc;
}

/** Tuples hold each field's value at its slot; undefined slots mean "not set here". */
function expand(value: unknown, fields: PendingField[], width: number): Tuple[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return expand(undefined, fields, width);
    return value.flatMap((el) => expand(el, fields, width));
  }
  const parts: Tuple[][] = [];
  const groups = new Map<string, PendingField[]>();
  for (const f of fields) {
    if (f.segs.length === 0) {
      const t: Tuple = new Array(width).fill(undefined);
      t[f.slot] = value ?? null;
      parts.push([t]);
    } else {
      const [head, ...rest] = f.segs;
      const list = groups.get(head) ?? [];
      list.push({ slot: f.slot, segs: rest });
      groups.set(head, list);
    }
  }
  for (const [head, group] of groups) {
    const child = isPlainObject(value) ? value[head] : undefined;
    parts.push(expand(child, group, width));
  }
  return cartesian(width, parts);
}

/** The distinct value tuples a document contributes to an index with these field paths. */
export function indexTuples(doc: unknown, paths: string[]): unknown[][] {
  const fields = paths.map((p, slot) => ({ slot, segs: p.split('.') }));
  return expand(doc, fields, paths.length).map((t) => t.map((v) => v ?? null));
}

export function indexPrefix(name: string): Buffer {
  return encodeComponent(name);
}

/** The "values" part of an entry key (index name + field values), used for unique checks. */
export function valuesKey(def: IndexDef, tuple: unknown[]): Buffer {
  return Buffer.concat([indexPrefix(def.name), ...tuple.map(encodeComponent)]);
}

/** Every entry key a document contributes: values key followed by the primary key. */
export function entryKeys(def: IndexDef, doc: unknown, pk: Buffer): Map<string, { key: Buffer; values: Buffer }> {
  const out = new Map<string, { key: Buffer; values: Buffer }>();
  for (const tuple of indexTuples(doc, Object.keys(def.key))) {
    const values = valuesKey(def, tuple);
    const key = Buffer.concat([values, pk]);
    out.set(key.toString('latin1'), { key, values });
  }
  return out;
}

export { encodePrimaryKey };
