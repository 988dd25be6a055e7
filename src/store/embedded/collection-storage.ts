/**
 * Synchronous storage primitives of one collection: documents by primary key,
 * index entries, candidate scans for a plan, and writes that keep indexes in
 * step. Writes must run inside an lmdb write transaction; reads may run
 * anywhere (inside one they see the transaction's state).
 */
import { type Database, asBinary } from 'lmdb';
import type { Document } from '../types.ts';
import type { Catalog } from './catalog.ts';
import { NeedsChildTransaction, StoreError, duplicateKeyError } from './errors.ts';
import type { documentCodec } from './document-codec.ts';
import { type IndexDef, compileIndex, entryKeys, indexKeys, indexTuples } from './index-keys.ts';
import { type FieldTraits, docTraits, missingTraits, newTraits, traitsKnown, withTraits } from './index-traits.ts';
import { END, componentLength, encodePrimaryKey } from './key-codec.ts';
import type { Interval, Plan, Probe } from './planner.ts';

/** A write with everything computed and checked: applying it only writes. */
export interface PreparedWrite {
  pk: Buffer;
  /** The encoded document, or null to delete. */
  bytes: Buffer | null;
  removes: Buffer[];
  /** The entry keys to add, end to end in one buffer (a large transaction holds many until it commits). */
  puts: PackedKeys;
  /** The index definitions the keys were made for, and the document's traits for each. */
  defs: IndexDef[];
  traits: (FieldTraits | null)[];
  /** The document replaced, as known when prepared. */
  prev: Document | undefined;
}

const NO_KEYS: Buffer[] = [];

/** Keys stored end to end, with each one's length. */
interface PackedKeys {
  bytes: Buffer;
  lengths: number[];
}

function packKeys(keys: Buffer[]): PackedKeys {
  return { bytes: Buffer.concat(keys), lengths: keys.map((key) => key.length) };
}

const MAX_SHARED_TRAITS = 1000;
const latin1 = (b: Buffer) => b.toString('latin1');

function keyTooLarge(max: number): Error {
  return new Error(`Key size is larger than the maximum key size (${max})`);
}

export interface ScanStats {
  keysExamined: number;
  docsExamined: number;
}

export class CollectionStorage {
  /** lmdb's limit on key length. */
  private readonly maxKeySize: number;
  /** The documents database's own value encoder. */
  private readonly encoder: typeof documentCodec;
  private readonly knownTraits = new Map<string, FieldTraits>();

  private readonly entries: Database<Buffer, Buffer>;
  /** The index database again, read for values only (see VALUES_ONLY in store.ts). */
  private readonly entryValues: Database<Buffer, Buffer>;

  constructor(
    readonly name: string,
    private readonly docs: Database<Document, Buffer>,
    indexDatabases: { entries: Database<Buffer, Buffer>; entryValues: Database<Buffer, Buffer> },
    private readonly catalog: Catalog,
  ) {
    this.entries = indexDatabases.entries;
    this.entryValues = indexDatabases.entryValues;
    this.maxKeySize = (this.entries as unknown as { maxKeySize?: number }).maxKeySize ?? 511;
    this.encoder = (docs as unknown as { encoder: CollectionStorage['encoder'] }).encoder;
  }

  indexes(): IndexDef[] {
    return this.catalog.indexes(this.name);
  }

  /**
   * Runs `fn` synchronously inside one lmdb write transaction with the catalog version read
   * once (see Catalog#pinned), instead of once per definition lookup.
   */
  pinned<R>(fn: () => R): R {
    return this.catalog.pinned(fn);
  }

  /** Whether `def` is stored as is, with its id and known traits: `addIndex` would change nothing. */
  hasIndex(def: IndexDef): boolean {
    const sameKey = (d: IndexDef) => JSON.stringify(Object.entries(d.key)) === JSON.stringify(Object.entries(def.key));
    const existing = this.indexes().find((d) => d.name === def.name || sameKey(d));
    return existing !== undefined && existing.name === def.name && sameKey(existing) && existing.unique === def.unique
      && existing.id !== undefined && traitsKnown(existing);
  }

  get(pk: Buffer): Document | undefined {
    return this.docs.get(pk);
  }

  /** The document with the fields in `leftOut` not unpacked (null, or absent: for a projection that excludes them). */
  getWithout(pk: Buffer, leftOut: ReadonlySet<string>): Document | undefined {
    const bytes = this.docs.getBinaryFast(pk);
    return bytes === undefined ? undefined : this.encoder.decodeWithout(bytes, leftOut);
  }

  getBinary(pk: Buffer): Buffer | undefined {
    return this.docs.getBinary(pk);
  }

  /**
   * Index keys in the intervals, counted up to `cap`. lmdb skips an offset and counts a range
   * without handing each key to JavaScript; its count has no limit, so a key at the offset that
   * reaches the cap is looked for first.
   */
  countKeys(intervals: Interval[], cap = 1000): number {
    let n = 0;
    for (const { start, end } of intervals) {
      if (n >= cap) return n;
      const [atCap] = this.entries.getKeys({ start, end, offset: cap - n - 1, limit: 1 });
      if (atCap !== undefined) return cap;
      n += this.entries.getKeysCount({ start, end });
    }
    return n;
  }

  /** The keys `prefix + one component` that index entries below `prefix` start with, or null when there are more than `cap`. */
  nextComponents(prefix: Buffer, cap: number): Buffer[] | null {
    const found: Buffer[] = [];
    const end = Buffer.concat([prefix, END]);
    let start = prefix;
    for (;;) {
      const [key] = this.entries.getKeys({ start, end, limit: 1 });
      if (key === undefined) return found;
      if (found.length >= cap) return null;
      const next = Buffer.from(key.subarray(0, prefix.length + componentLength(key, prefix.length)));
      found.push(next);
      start = Buffer.concat([next, END]);
    }
  }

  /** Every document in primary-key order (or reversed), each counted as examined. */
  *docsInOrder(reverse: boolean, stats: ScanStats): Generator<Document> {
    for (const { value } of this.docs.getRange({ reverse })) {
      stats.docsExamined++;
      yield value;
    }
  }

  /**
   * How many distinct documents have index entries in the intervals (an entry's value is its
   * document's key). `openFields`: how many of the index's fields follow the ones the intervals
   * fix. A document has at most one key per value of those fields, so when one interval holds a
   * single such value, lmdb counts its keys without handing them over.
   */
  countDocumentsIn(intervals: Interval[], openFields: number): number {
    if (intervals.length === 1 && openFields <= 1) {
      const { start, end } = intervals[0]!;
      if (openFields === 0 || this.nextComponents(start, 1) !== null) return this.entries.getKeysCount({ start, end });
    }
    const seen = new Set<string>();
    for (const { start, end } of intervals) {
      for (const { value } of this.entryValues.getRange({ start, end })) seen.add(latin1(value));
    }
    return seen.size;
  }

  /** Yields candidate documents for a plan, each at most once; fields in `leftOut` stay packed (see getWithout). */
  *scan(plan: Plan, stats: ScanStats, leftOut: ReadonlySet<string> | null = null): Generator<Document> {
    if (plan.stage === 'COLLSCAN') {
      for (const { value } of this.docs.getRange({})) {
        stats.docsExamined++;
        yield value;
      }
      return;
    }
    const seen = new Set<string>();
    for (const pk of this.candidateKeys(plan, stats)) {
      const id = pk.toString('latin1');
      if (seen.has(id)) continue;
      seen.add(id);
      if (plan.stage === 'IXSCAN' && plan.probes && !this.passesProbes(plan.probes, pk, stats)) continue;
      const doc = leftOut ? this.getWithout(pk, leftOut) : this.docs.get(pk);
      if (doc === undefined) continue;
      stats.docsExamined++;
      yield doc;
    }
  }

  /** Whether every probe's index holds a key for the document at `pk` (see Probe). */
  private passesProbes(probes: Probe[], pk: Buffer, stats: ScanStats): boolean {
    return probes.every(({ prefixes }) => prefixes.some((prefix) => {
      stats.keysExamined++;
      return this.entries.doesExist(Buffer.concat([prefix, pk]));
    }));
  }

  /** Index entries (key and primary key) in key order, or reversed, counted as keys examined. */
  *entriesInOrder(interval: Interval, reverse: boolean, stats: ScanStats): Generator<{ key: Buffer; pk: Buffer }> {
    if (Buffer.compare(interval.start, interval.end) >= 0) return;
    const range = reverse ? { start: interval.end, end: interval.start, reverse } : interval;
    for (const { key, value } of this.entries.getRange(range)) {
      stats.keysExamined++;
      yield { key, pk: value };
    }
  }

  /** The document at `pk`, counted as examined. */
  fetch(pk: Buffer, stats: ScanStats): Document | undefined {
    const doc = this.docs.get(pk);
    if (doc !== undefined) stats.docsExamined++;
    return doc;
  }

  private *candidateKeys(plan: Plan, stats: ScanStats): Generator<Buffer> {
    if (plan.stage === 'IDHACK') {
      for (const id of plan.ids) yield encodePrimaryKey(id);
    } else if (plan.stage === 'IXSCAN') {
      for (const { start, end } of plan.intervals) {
        for (const { value } of this.entryValues.getRange({ start, end })) {
          stats.keysExamined++;
          yield value;
        }
      }
    } else if (plan.stage === 'OR') {
      for (const sub of plan.plans) yield* this.candidateKeys(sub, stats);
    }
  }

  /** Replaces (or with `next` null, deletes) the document at `pk`, checking unique indexes first. */
  write(pk: Buffer, next: Document | null, prev: Document | undefined): void {
    this.apply(this.prepare(pk, next, prev, true));
  }

  /**
   * Everything a write needs, computed without writing anything: the index keys to
   * remove and add, the encoded document, its index traits, and the checks (key sizes
   * and, with `checkUnique`, unique indexes against the current state) that could fail.
   * Once prepared, `apply` only writes. Without `checkUnique` a collection with a unique
   * index throws NeedsChildTransaction: its checks must see the writes applied before
   * it in the same commit, so it needs the sequential path, in an abortable transaction.
   * The encoding is also a snapshot: the caller may change `next` afterwards.
   */
  prepare(pk: Buffer, next: Document | null, prev: Document | undefined, checkUnique: boolean): PreparedWrite {
    const removes: Buffer[] = [];
    const puts: Buffer[] = [];
    const maxKeySize = this.maxKeySize;
    if (pk.length > maxKeySize) throw keyTooLarge(maxKeySize);
    const defs = this.indexes();
    const traits: (FieldTraits | null)[] = [];
    for (const def of defs) {
      if (def.unique && !checkUnique) throw new NeedsChildTransaction();
      const index = compileIndex(def);
      const after = next ? indexKeys(index, next, pk) : NO_KEYS;
      const before = prev ? indexKeys(index, prev, pk) : NO_KEYS;
      let added = after;
      if (before.length > 0) {
        const beforeSet = new Set(before.map(latin1));
        const afterSet = new Set(after.map(latin1));
        for (const key of before) if (!afterSet.has(latin1(key))) removes.push(key);
        added = after.filter((key) => !beforeSet.has(latin1(key)));
      }
      for (const key of added) {
        if (key.length > maxKeySize) throw keyTooLarge(maxKeySize);
        if (def.unique) this.assertUnique(def, key.subarray(0, key.length - pk.length), pk, next);
        puts.push(key);
      }
      // a definition's known traits only grow, so the ones it has now need no recording when applied
      traits.push(next ? this.shared(traitsKnown(def) ? newTraits(def, next) : docTraits(def, next)) : null);
    }
    // encoded here so that an unencodable value fails before anything is written
    const bytes = next ? Buffer.from(this.encoder.encode(next)) : null;
    return { pk, bytes, removes, puts: packKeys(puts), defs, traits, prev };
  }

  /**
   * One object for equal traits: the documents of a large transaction mostly share the traits
   * their index definitions record only at commit, and hold them until then.
   */
  private shared(traits: FieldTraits | null): FieldTraits | null {
    if (!traits) return null;
    const key = `${traits.multikey.join(',')}|${traits.unordered.join(',')}|${traits.irregular.join(',')}`;
    let known = this.knownTraits.get(key);
    if (!known) {
      if (this.knownTraits.size >= MAX_SHARED_TRAITS) this.knownTraits.clear();
      this.knownTraits.set(key, (known = traits));
    }
    return known;
  }

  /** Whether a write prepared earlier (perhaps in another transaction) still has the right index keys. */
  isCurrent(w: PreparedWrite): boolean {
    const defs = this.indexes();
    if (defs === w.defs) return true;
    if (defs.length !== w.defs.length) return false;
    // traits may have changed since; the keys depend only on the ids (never reused) and fields
    for (let i = 0; i < defs.length; i++) {
      const a = defs[i];
      const b = w.defs[i];
      if (a.name !== b.name || a.id !== b.id || a.id === undefined || a.unique !== b.unique) return false;
    }
    return true;
  }

  /** The document a prepared write stores. */
  decode(bytes: Buffer): Document {
    return this.encoder.decode(bytes);
  }

  /** Writes a prepared write (inside the write transaction it was prepared in, or one where it `isCurrent`). */
  apply(w: PreparedWrite): void {
    this.recordTraits(w);
    for (const key of w.removes) this.entries.remove(key);
    let start = 0;
    for (const length of w.puts.lengths) this.entries.put(w.puts.bytes.subarray(start, (start += length)), w.pk);
    if (w.bytes) this.docs.put(w.pk, asBinary(w.bytes) as unknown as Document);
    else this.docs.remove(w.pk);
  }

  /** Flags fields of the written document that stop an index from providing sort order (same write transaction). */
  private recordTraits(w: PreparedWrite): void {
    let defs: IndexDef[] | undefined;
    for (let i = 0; i < w.traits.length; i++) {
      const traits = w.traits[i];
      if (!traits) continue;
      // the definitions as of now, read once unless a trait is recorded (which changes them)
      defs ??= this.indexes();
      const def = defs.find((d) => d.name === w.defs[i].name);
      const missing = def && missingTraits(def, traits);
      if (def && missing) {
        this.catalog.putIndex(this.name, withTraits(def, missing));
        defs = undefined;
      }
    }
  }

  private assertUnique(def: IndexDef, values: Buffer, pk: Buffer, doc: Document | null): void {
    for (const { value } of this.entries.getRange({ start: values, end: Buffer.concat([values, END]) })) {
      if (!value.equals(pk)) throw duplicateKeyError(this.name, def.name, dupKeyOf(def, doc));
    }
  }

  /**
   * Idempotent: the same definition again is a no-op; a clashing one is an error, as in MongoDB.
   * A definition stored before index ids existed gets an id, and its entries are rewritten under it.
   */
  addIndex(def: IndexDef): void {
    const sameKey = (d: IndexDef) => JSON.stringify(Object.entries(d.key)) === JSON.stringify(Object.entries(def.key));
    const existing = this.indexes().find((d) => d.name === def.name || sameKey(d));
    if (existing) {
      if (existing.name !== def.name || !sameKey(existing) || existing.unique !== def.unique) {
        throw new StoreError(`An index with name or key ${def.name} already exists with different options`, 85);
      }
      if (existing.id === undefined) {
        const legacy = compileIndex(existing).prefix;
        for (const key of this.entries.getKeys({ start: legacy, end: Buffer.concat([legacy, END]) })) this.entries.remove(key);
        const { id } = this.catalog.putIndex(this.name, { ...existing, multikey: [], unordered: [], irregular: [] });
        this.catalog.putIndex(this.name, this.buildIndex({ ...existing, id }));
      } else if (!traitsKnown(existing)) {
        this.catalog.putIndex(this.name, this.traitsOfAll(existing));
      }
      return;
    }
    // stored first (with no traits: it provides no order until built) to get its id
    const { id } = this.catalog.putIndex(this.name, { ...def, multikey: [], unordered: [], irregular: [] });
    this.catalog.putIndex(this.name, this.buildIndex({ ...def, id }));
  }

  /** `def` with the traits of every stored document (for definitions stored before traits existed). */
  private traitsOfAll(def: IndexDef): IndexDef {
    let out: IndexDef = { ...def, multikey: [], unordered: [], irregular: [] };
    for (const { value: doc } of this.docs.getRange({})) {
      const traits = newTraits(out, doc);
      if (traits) out = withTraits(out, traits);
    }
    return out;
  }
  /**
   * Adds entries for every existing document (inside the write transaction that records the definition);
   * returns the definition with the traits of those documents.
   */
  private buildIndex(def: IndexDef): IndexDef {
    const seenValues = new Map<string, string>();
    let built: IndexDef = { ...def, multikey: [], unordered: [], irregular: [] };
    for (const { key: pk, value: doc } of this.docs.getRange({})) {
      const traits = newTraits(built, doc);
      if (traits) built = withTraits(built, traits);
      for (const { key, values } of entryKeys(def, doc, pk).values()) {
        if (def.unique) {
          const v = values.toString('latin1');
          const owner = seenValues.get(v);
          if (owner !== undefined && owner !== pk.toString('latin1')) {
            throw duplicateKeyError(this.name, def.name, dupKeyOf(def, doc));
          }
          seenValues.set(v, pk.toString('latin1'));
        }
        this.entries.put(key, pk);
      }
    }
    return built;
  }
}

function dupKeyOf(def: IndexDef, doc: Document | null): Record<string, unknown> {
  const fields = Object.keys(def.key);
  const tuple = doc ? indexTuples(doc, fields)[0] : [];
  return Object.fromEntries(fields.map((f, i) => [f, tuple?.[i] ?? null]));
}
