/**
 * Write-time search index extraction: µs per resource for the ~1.5 KB lab Observation
 * of bench/observation.ts and the Patient of test/support/fixtures.ts.
 *   node --import tsx bench/extract.ts
 */
import { extractSearchIndex } from '../src/search/index.js';
import { observation } from './observation.js';
import { patient } from '../test/support/fixtures.js';

const WARMUP = 5_000;
const RUNS = 20_000;

function time(name: string, resource: { resourceType: string }): void {
  let entries = 0;
  for (let i = 0; i < WARMUP; i++) entries = Object.values(extractSearchIndex(resource).idx).flat().length;
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < RUNS; i++) extractSearchIndex(resource);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e3 / RUNS);
  }
  console.log(`${name}: ${best.toFixed(1)} µs per resource (${JSON.stringify(resource).length} bytes, ${entries} entries; best of 5 × ${RUNS})`);
}

time('Observation', observation());
time('Patient', patient());
