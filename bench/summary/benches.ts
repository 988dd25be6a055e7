/** The benchmarks bench:all runs, in order, and the small sizes BENCH_QUICK=1 gives each. */
export interface Bench {
  name: string;
  file: string;
  /** The npm script that runs it alone. */
  script: string;
  /** Sizes for a quick run of a few minutes in all; what the caller's environment sets wins. */
  quickEnv: Record<string, string>;
}

export const BENCHES: Bench[] = [
  { name: 'rest', file: 'bench/rest.ts', script: 'bench', quickEnv: { BENCH_SECONDS: '2', BENCH_WARMUP_SECONDS: '1', BENCH_STORED: '5000' } },
  { name: 'search', file: 'bench/search.ts', script: 'bench:search', quickEnv: { BENCH_SECONDS: '2', BENCH_PATIENTS: '200', BENCH_OBSERVATIONS_PER_PATIENT: '20' } },
  { name: 'transaction', file: 'bench/transaction.ts', script: 'bench:transaction', quickEnv: { BENCH_SECONDS: '5' } },
  { name: 'validation', file: 'bench/validation.ts', script: 'bench:validation', quickEnv: { BENCH_SECONDS: '2', BENCH_WARMUP_RUNS: '100' } },
  // a few seconds already: 40 runs of each
  { name: 'signing', file: 'bench/signing.ts', script: 'bench:signing', quickEnv: {} },
  {
    name: 'subscriptions', file: 'bench/subscriptions.ts', script: 'bench:subscriptions',
    quickEnv: { BENCH_LATENCY_SECONDS: '3', BENCH_PATIENTS: '20', BENCH_RESULTS: '300', BENCH_DRAIN_SECONDS: '60' },
  },
  { name: 'auth-audit', file: 'bench/auth-audit.ts', script: 'bench:auth-audit', quickEnv: { BENCH_SECONDS: '2', BENCH_WARMUP_SECONDS: '1', BENCH_ROUNDS: '1' } },
];

/** The benches BENCH_ONLY names (comma-separated), all of them without it; throws on a name not in BENCHES. */
export function selectBenches(only: string | undefined): Bench[] {
  const names = (only ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) return BENCHES;
  const unknown = names.filter((name) => !BENCHES.some((bench) => bench.name === name));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY names unknown benches: ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
  return BENCHES.filter((bench) => names.includes(bench.name));
}
