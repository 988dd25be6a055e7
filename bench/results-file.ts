/**
 * The machine-readable side of a benchmark: with BENCH_RESULTS_FILE set, each headline figure is
 * appended to that file as one JSON line, for bench/all.ts to chart. Without it nothing is written.
 * (Not BENCH_RESULTS: bench:subscriptions already reads that as its number of results.)
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

export type Metric = 'throughput' | 'latency-p50' | 'latency-p95' | 'latency-p99' | 'latency-mean'
  | 'memory-peak-rss' | 'memory-growth' | 'lost' | 'leaked';

export interface BenchResult {
  bench: string;
  scenario: string;
  metric: Metric;
  value: number;
  unit: string;
  /** The goal in the same unit: a floor for throughput, a ceiling for the rest. */
  target?: number;
}

export const RESULTS_FILE_ENV = 'BENCH_RESULTS_FILE';

export function recordResult(result: BenchResult): void {
  const file = process.env[RESULTS_FILE_ENV];
  if (file) appendFileSync(file, `${JSON.stringify(result)}\n`);
}

/** A load scenario's usual three figures: requests (or items) per second, p50 and p99 in ms. */
export function recordLoad(bench: string, scenario: string, figures: { perSecond: number; p50: number; p99: number }, unit = 'req/s',
  targets: { perSecond?: number; p50?: number; p99?: number } = {}): void {
  recordResult({ bench, scenario, metric: 'throughput', value: figures.perSecond, unit, target: targets.perSecond });
  recordResult({ bench, scenario, metric: 'latency-p50', value: figures.p50, unit: 'ms', target: targets.p50 });
  recordResult({ bench, scenario, metric: 'latency-p99', value: figures.p99, unit: 'ms', target: targets.p99 });
}

/** The results in the file, in the order written; none when there is no file. */
export function readResults(file: string): BenchResult[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as BenchResult);
}
