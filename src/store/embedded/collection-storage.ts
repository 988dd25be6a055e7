/**
 * Synchronous storage primitives of one collection: documents by primary key,
 * index entries, candidate scans for a plan, and writes that keep indexes in
 * step. Writes must run inside an lmdb write transaction; reads may run
 * anywhere (inside one they see the transaction's state).
 */
import type { Database } from 'lmdb';
import type { Document } from '../types.ts';
import type { Catalog } from './catalog.ts';
import { StoreError, duplicateKeyError } from './errors.ts';
import { type IndexDef, entryKeys, indexTuples, valuesKey } from './index-keys.ts';
import { END, encodePrimaryKey } from './key-codec.ts';
import type { Interval, Plan } from './planner.ts';

export interface ScanStats {
  keysExamined: number;
  docsExamined: number;
}

export class CollectionStorage {
  constructor(
    readonly name: string,
    private readonly docs: Database<Document, Buffer>,
    private readonly entries: Database<Buffer, Buffer>,
    private readonly catalog: Catalog,
  ) {}

  indexes(): IndexDef[] {
    return this.catalog.indexes(this.name);
  }

  get(pk: Buffer): Document | undefined {
    return this.docs.get(pk);
  }

  getBinary(pk: Buffer): Buffer | undefined {
    return this.docs.getBinary(pk);
  }

  /** Index keys in the intervals, counted up to `cap`. */
  countKeys(intervals: Interval[], cap = 1000): number {
    let n = 0;
    for (const { start, end } of intervals) {
      for (const _ of this.entries.getKeys({ start, end, limit: cap - n })) if (++n >= cap) return n;
    }
    return n;
  }

  /** Yields candidate documents for a plan, each at most once. */
  *scan(plan: Plan, stats: ScanStats): Generator<Document> {
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
      const doc = this.docs.get(pk);
      if (doc === undefined) continue;
      stats.docsExamined++;
      yield doc;
    }
  }

  private *candidateKeys(plan: Plan, stats: ScanStats): Generator<Buffer> {
    if (plan.stage === 'IDHACK') {
      for (const id of plan.ids) yield encodePrimaryKey(id);
    } else if (plan.stage === 'IXSCAN') {
      for (const { start, end } of plan.intervals) {
        for (const { value } of this.entries.getRange({ start, end })) {
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
    const changes = this.indexes().map((def) => {
      const before = prev ? entryKeys(def, prev, pk) : new Map();
      const after = next ? entryKeys(def, next, pk) : new Map();
      return { def, before, after };
    });
    for (const { def, before, after } of changes) {
      if (!def.unique) continue;
      for (const [k, entry] of after) {
        if (!before.has(k)) this.assertUnique(def, entry.values, pk, next);
      }
    }
    for (const { before, after } of changes) {
      for (const [k, entry] of before) if (!after.has(k)) this.entries.remove(entry.key);
      for (const [k, entry] of after) if (!before.has(k)) this.entries.put(entry.key, pk);
    }
    if (next) this.docs.put(pk, next);
    else this.docs.remove(pk);
  }

  private assertUnique(def: IndexDef, values: Buffer, pk: Buffer, doc: Document | null): void {
    for (const { value } of this.entries.getRange({ start: values, end: Buffer.concat([values, END]) })) {
      if (!value.equals(pk)) throw duplicateKeyError(this.name, def.name, dupKeyOf(def, doc));
    }
  }

  /** Idempotent: the same definition again is a no-op; a clashing one is an error, as in MongoDB. */
  addIndex(def: IndexDef): void {
    const sameKey = (d: IndexDef) => JSON.stringify(Object.entries(d.key)) === JSON.stringify(Object.entries(def.key));
    const existing = this.indexes().find((d) => d.name === def.name || sameKey(d));
    if (existing) {
      if (existing.name === def.name && sameKey(existing) && existing.unique === def.unique) return;
      throw new StoreError(`An index with name or key ${def.name} already exists with different options`, 85);
    }
    this.buildIndex(def);
    this.catalog.addIndex(this.name, def);
  }

  /** Adds entries for every existing document (inside the write transaction that records the definition). */
  private buildIndex(def: IndexDef): void {
    const seenValues = new Map<string, string>();
    for (const { key: pk, value: doc } of this.docs.getRange({})) {
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
  }
}

function dupKeyOf(def: IndexDef, doc: Document | null): Record<string, unknown> {
  const fields = Object.keys(def.key);
  const tuple = doc ? indexTuples(doc, fields)[0] : [];
  return Object.fromEntries(fields.map((f, i) => [f, tuple?.[i] ?? null]));
}
