/** Where a key stands in its current window. */
export interface WindowCount {
  count: number;
  /** Whole seconds, at least 1, until the window ends and the count starts again from 0: the Retry-After value. */
  retryAfterSeconds: number;
}

interface Window {
  count: number;
  endsAt: number;
}

/**
 * Counts events per key (a client id, an address) in fixed windows of time, in this process's
 * memory: a key's window opens at its first event and lasts windowMs. Ended windows are dropped
 * once per window length, so the map holds only the keys seen lately.
 */
export class FixedWindowCounter {
  private readonly windows = new Map<string, Window>();
  private nextSweepAt: number;

  constructor(private readonly windowMs: number, private readonly now: () => number = Date.now) {
    this.nextSweepAt = now() + windowMs;
  }

  /** Counts one event for the key. */
  hit(key: string): WindowCount {
    const now = this.now();
    this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, retryAfterSeconds: Math.max(1, Math.ceil((window.endsAt - now) / 1000)) };
  }

  private sweep(now: number): void {
    if (now < this.nextSweepAt) return;
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
    this.nextSweepAt = now + this.windowMs;
  }
}
