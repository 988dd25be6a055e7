/**
 * Multikey index key generation. Arrays are expanded at every level (a superset
 * of what MongoDB or mingo can match), and fields that share an array prefix
 * (idx.p, idx.s, idx.c) are paired per array element instead of cross-multiplied,
 * which is what lets `$elemMatch` bound several fields of one element.
 * Missing values index as null, like MongoDB.
 *
 * An entry key is the index's prefix (its short numeric id from the catalog, or
 * for definitions stored before ids existed, its name), the field values in index
 * order, then the primary key. Each definition's field paths are compiled once
 * into a tree grouped by shared path prefixes, and keys are written into one buffer.
 */
import { KeyBuilder, encodeComponent, encodePrimaryKey, isPlainObject } from './key-codec.ts';

export interface IndexDef {
  name: string;
  key: Record<string, 1 | -1>;
  unique: boolean;
  /** Short id of the index within its collection, assigned by the catalog; the prefix of its keys. */
  id?: number;
  /** Fields that have held an array (see index-traits.ts). */
  multikey?: string[];
  /** Fields that have held a value whose key order is not mingo's sort order (see index-traits.ts). */
  unordered?: string[];
  /** Field prefixes that have held anything but an array of non-arrays (see index-traits.ts). */
  irregular?: string[];
}

/** Guards against a pathological document turning into millions of keys. */
const MAX_KEYS_PER_DOC = 10_000;

/** Fields below one path prefix: `leaves` end here (their slots), `children` continue one segment down. */
interface PathNode {
  leaves: number[];
  children: { head: string; node: PathNode }[];
}

export interface CompiledIndex {
  def: IndexDef;
  fields: string[];
  /** Each field's path segments. */
  segs: string[][];
  prefix: Buffer;
  root: PathNode;
}

function buildNode(fields: { slot: number; segs: string[] }[]): PathNode {
  const node: PathNode = { leaves: [], children: [] };
  const groups = new Map<string, { slot: number; segs: string[] }[]>();
  for (const f of fields) {
    if (f.segs.length === 0) {
      node.leaves.push(f.slot);
    } else {
      const list = groups.get(f.segs[0]) ?? [];
      list.push({ slot: f.slot, segs: f.segs.slice(1) });
      groups.set(f.segs[0], list);
    }
  }
  for (const [head, group] of groups) node.children.push({ head, node: buildNode(group) });
  return node;
}

/**
 * The key prefix of an index: ids as a length byte (1, 2 or 4, all below the string tag
 * that starts legacy name prefixes) and the id big-endian, so prefixes never overlap.
 */
export function indexPrefix(def: IndexDef): Buffer {
  const id = def.id;
  if (id === undefined) return encodeComponent(def.name);
  if (id < 0x100) return Buffer.from([1, id]);
  if (id < 0x10000) return Buffer.from([2, id >> 8, id & 0xff]);
  const out = Buffer.alloc(5);
  out[0] = 4;
  out.writeUInt32BE(id, 1);
  return out;
}

const compiledDefs = new WeakMap<IndexDef, CompiledIndex>();

/** The compiled form of a definition (cached per definition object). */
export function compileIndex(def: IndexDef): CompiledIndex {
  let c = compiledDefs.get(def);
  if (!c) {
    const fields = Object.keys(def.key);
    const segs = fields.map((f) => f.split('.'));
    c = { def, fields, segs, prefix: indexPrefix(def), root: buildNode(segs.map((s, slot) => ({ slot, segs: s }))) };
    compiledDefs.set(def, c);
  }
  return c;
}

/** A pending step: continue with `node`'s children from `i`, on `value`, then with `next`. */
interface Frame {
  value: unknown;
  node: PathNode;
  i: number;
  next: Frame | null;
}

/** Enumerates the value tuples of one document; `emit` sees each (pre-dedup) tuple in `vals`. */
class TupleWalker {
  vals: unknown[] = [];
  count = 0;
  constructor(private readonly emit: (vals: unknown[]) => void) {}

  run(doc: unknown, root: PathNode, width: number): void {
    this.vals.length = width;
    this.count = 0;
    this.expand(doc, root, null);
  }

  private expand(value: unknown, node: PathNode, next: Frame | null): void {
    if (Array.isArray(value)) {
      if (value.length === 0) this.expand(undefined, node, next);
      else for (const el of value) this.expand(el, node, next);
      return;
    }
    const leaves = node.leaves;
    for (let i = 0; i < leaves.length; i++) this.vals[leaves[i]] = value ?? null;
    this.step(value, node, 0, next);
  }

  private step(value: unknown, node: PathNode, i: number, next: Frame | null): void {
    if (i === node.children.length) {
      if (next) this.step(next.value, next.node, next.i, next.next);
      else {
        if (++this.count > MAX_KEYS_PER_DOC) throw new Error('Too many index keys for one document');
        this.emit(this.vals);
      }
      return;
    }
    const { head, node: child } = node.children[i];
    const childValue = isPlainObject(value) ? value[head] : undefined;
    this.expand(childValue, child, { value, node, i: i + 1, next });
  }
}

/** The distinct value tuples a document contributes to an index with these field paths. */
export function indexTuples(doc: unknown, paths: string[]): unknown[][] {
  const root = buildNode(paths.map((p, slot) => ({ slot, segs: p.split('.') })));
  const out: unknown[][] = [];
  new TupleWalker((vals) => out.push(vals.slice())).run(doc, root, paths.length);
  return out;
}

// state of the one key walk in progress (walks are synchronous, never nested)
const builder = new KeyBuilder();
let currentPrefix: Buffer = Buffer.alloc(0);
let pkOfWalk: Buffer = Buffer.alloc(0);
let keysOfWalk: Buffer[] = [];
let seenOfWalk: Set<string> | null = null;
const keyWalker = new TupleWalker((vals) => {
  builder.reset().bytes(currentPrefix);
  for (let i = 0; i < vals.length; i++) builder.component(vals[i]);
  builder.bytes(pkOfWalk);
  // documents rarely give an index more than a few keys: a linear duplicate check is cheapest
  const keys = keysOfWalk;
  if (keys.length < 16) {
    for (let i = 0; i < keys.length; i++) if (builder.equals(keys[i])) return;
  } else if (keys.length === 16) {
    seenOfWalk = new Set(keys.map((k) => k.toString('latin1')));
  }
  if (seenOfWalk && keys.length >= 16) {
    const s = builder.view().toString('latin1');
    if (seenOfWalk.has(s)) return;
    seenOfWalk.add(s);
  }
  keys.push(builder.toBuffer());
});

/** Every distinct entry key (prefix, field values, primary key) a document contributes to an index. */
export function indexKeys(index: CompiledIndex, doc: unknown, pk: Buffer): Buffer[] {
  const keys: Buffer[] = [];
  pkOfWalk = pk;
  keysOfWalk = keys;
  currentPrefix = index.prefix;
  seenOfWalk = null;
  try {
    keyWalker.run(doc, index.root, index.fields.length);
  } finally {
    seenOfWalk = null;
    keysOfWalk = [];
  }
  return keys;
}

/** Every entry key a document contributes, with its "values" part (key without the primary key) for unique checks. */
export function entryKeys(def: IndexDef, doc: unknown, pk: Buffer): Map<string, { key: Buffer; values: Buffer }> {
  const out = new Map<string, { key: Buffer; values: Buffer }>();
  for (const key of indexKeys(compileIndex(def), doc, pk)) {
    out.set(key.toString('latin1'), { key, values: key.subarray(0, key.length - pk.length) });
  }
  return out;
}

export { encodePrimaryKey };
