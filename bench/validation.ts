/**
 * Validation benchmark (npm run bench:validation), one core, in process, BENCH_SECONDS (5) per scenario:
 * - lab Observations validated against base R4, the R4 invariants and the EGISZ lab profile, per second;
 * - a Synthea patient bundle's resources (../shared/data/synthea, the one nearest 400 entries) validated
 *   against base R4 and the invariants, in ms for the whole bundle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Resource } from 'fhir/r4.js';
import { Validator } from '../src/validation/validator.ts';
import { labObservation } from '../test/validation/egisz-fixtures.ts';
import { recordResult } from './results-file.ts';

const SYNTHEA_DIR = new URL('../../shared/data/synthea/', import.meta.url).pathname;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** Unmeasured runs first (compiled validators, optimised code); 2000 bundle runs take about a minute. */
const WARMUP_RUNS = Number(process.env.BENCH_WARMUP_RUNS ?? 2000);

function perSecond(work: () => void): number {
  for (let i = 0; i < WARMUP_RUNS; i++) work();
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < SECONDS * 1000) {
    for (let i = 0; i < 100; i++) work();
    count += 100;
  }
  return count / ((performance.now() - started) / 1000);
}

function bundleNearest400(): Bundle {
  const bundles = readdirSync(SYNTHEA_DIR).filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(SYNTHEA_DIR, f), 'utf8')) as Bundle);
  return bundles.sort((a, b) => Math.abs(a.entry!.length - 400) - Math.abs(b.entry!.length - 400))[0]!;
}

const egisz = new Validator({ mode: 'strict', profiles: 'egisz' });
const observation = labObservation();
const errors = egisz.issues(observation).filter((i) => i.severity === 'error');
if (errors.length > 0) throw new Error(`the benchmark Observation is not valid: ${errors.map((e) => e.en).join('; ')}`);
const observationsPerSecond = perSecond(() => egisz.issues(observation));

const base = new Validator({ mode: 'strict', profiles: 'none' });
const bundle = bundleNearest400();
const resources = bundle.entry!.map((e) => e.resource as Resource);
const bundlesPerSecond = perSecond(() => { for (const resource of resources) base.issues(resource); });

console.log('\nValidation, one core\n');
console.log('| scenario | target | result |\n|---|---|---:|');
console.log(`| lab Observation, base R4 + invariants + EGISZ profile | ≥ 20000 /s | ${Math.round(observationsPerSecond)} /s (${(1e6 / observationsPerSecond).toFixed(1)} µs each) |`);
console.log(`| Synthea patient bundle of ${resources.length} resources, base R4 + invariants | < 50 ms | ${(1000 / bundlesPerSecond).toFixed(1)} ms |`);
recordResult({ bench: 'validation', scenario: 'lab Observation, EGISZ profile', metric: 'throughput', value: observationsPerSecond, unit: 'resources/s', target: 20_000 });
recordResult({ bench: 'validation', scenario: `Synthea bundle of ${resources.length} resources`, metric: 'latency-mean', value: 1000 / bundlesPerSecond, unit: 'ms', target: 50 });
