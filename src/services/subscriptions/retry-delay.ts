/** Exponential back-off with jitter: the n-th retry (from 1) waits base·2^(n-1), capped, times 0.5–1. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(exponential * (0.5 + random() * 0.5));
}
