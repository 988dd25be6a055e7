/**
 * Read-path cost of the embedded engine for a stored Observation as the server keeps it
 * (resource as JSON text, search index entries, sort keys; 9 indexes): `findOne({ _id })` and its parts.
 * Prints microseconds per call (sequential, awaited, after a warm-up).
 * Usage: npx tsx test/store/bench/read-path.ts [N=20000]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from 'fhir/r4.js';
import { observation } from '../../../bench/observation.ts';
import { INDEX_SPECS, extractIndexEntries, extractSortKeys } from '../../../src/search/index.ts';
import type { CollectionStorage } from '../../../src/store/embedded/collection-storage.ts';
import { encodePrimaryKey } from '../../../src/store/embedded/key-codec.ts';
import { openEmbeddedStore } from '../../../src/store/embedded/store.ts';
import type { Document } from '../../../src/store/types.ts';

const N = Number(process.argv[2] ?? 20_000);
const dataDir = mkdtempSync(join(tmpdir(), 'read-path-bench-'));
const store = openEmbeddedStore(dataDir);
const c = store.collection('Observation');
for (const spec of INDEX_SPECS) await c.createIndex({ ...spec });

let seq = 0;
function newId(): string {
  return (Date.now() * 1000 + (seq++ % 1000)).toString(32).padStart(12, '0') + randomBytes(7).toString('hex');
}
const ids: string[] = [];
for (let i = 0; i < 500; i++) {
  const id = newId();
  const lastUpdated = new Date();
  const resource = { ...observation(), id, meta: { versionId: '1', lastUpdated: lastUpdated.toISOString() } } as Resource;
  // shaped as src/services/write-version.ts stores a current version
  await c.insertOne({ _id: id, versionId: 1, lastUpdated, deleted: false, json: JSON.stringify(resource), idx: extractIndexEntries(resource), sk: extractSortKeys(resource) });
  ids.push(id);
}
const storage = (c as unknown as { storage: CollectionStorage }).storage;
const bytes = storage.getBinary(encodePrimaryKey(ids[0]))!;
console.log(`stored document: ${bytes.length} bytes, ${JSON.stringify(storage.decode(bytes)).length} bytes as JSON`);

async function time(name: string, f: (id: string) => Promise<unknown> | unknown): Promise<void> {
  for (let i = 0; i < 3000; i++) await f(ids[i % ids.length]);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await f(ids[i % ids.length]);
  console.log(`${name.padEnd(44)} ${(((performance.now() - t0) / N) * 1000).toFixed(1).padStart(6)} us`);
}

const withoutIdx = { idx: 0, sk: 0 } as const;
await time('findOne({ _id })', (id) => c.findOne({ _id: id }));
await time('findOne({ _id: { $eq } })', (id) => c.findOne({ _id: { $eq: id } }));
await time('findOne({ _id }, projection idx:0 sk:0)', (id) => c.findOne({ _id: id }, { projection: withoutIdx }));
await time('find({ _id: { $in: [id] } }).toArray()', (id) => c.find({ _id: { $in: [id] } }).toArray());
await time('findOne({ _id, deleted: false })', (id) => c.findOne({ _id: id, deleted: false }));
await time('findOne in a transaction', (id) => store.withTransaction((session) => c.findOne({ _id: id }, { session })));
await time('storage.get(pk) (lmdb get + decode)', (id) => storage.get(encodePrimaryKey(id)));
await time('storage.getBinary(pk)', (id) => storage.getBinary(encodePrimaryKey(id)));
await time('decode(bytes)', () => storage.decode(bytes));
await time('structuredClone(doc)', () => structuredClone(storage.decode(bytes) as Document));

await store.close();
rmSync(dataDir, { recursive: true, force: true });
