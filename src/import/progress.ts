/** A progress bar on stderr: resources done of total, rate and time left. */

const BAR_WIDTH = 24;
const TTY_REDRAW_MS = 200;
const PLAIN_LINE_MS = 5000;

function duration(seconds: number): string {
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** One progress line, e.g. `[######..................]  250/1000 resources  25%  125 resources/s  ETA 0:06`. */
export function formatProgress(done: number, total: number, elapsedMs: number): string {
  const fraction = total > 0 ? Math.min(done / total, 1) : 1;
  const filled = Math.round(fraction * BAR_WIDTH);
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 ? duration((total - done) / rate) : '-:--';
  const counts = `${String(done).padStart(String(total).length)}/${total}`;
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${counts} resources  ${Math.floor(fraction * 100)}%  ${Math.round(rate)} resources/s  ETA ${eta}`;
}

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): boolean;
}

export class ProgressBar {
  private done = 0;
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly total: number, private readonly stream: ProgressStream) {
    // Redrawn on a clock, not on each Bundle: a TTY at most 5 times a second, a log every few seconds.
    this.timer = setInterval(() => this.draw(), stream.isTTY ? TTY_REDRAW_MS : PLAIN_LINE_MS);
    this.timer.unref();
  }

  advance(count: number): void {
    this.done += count;
  }

  /** Draws the final state and stops redrawing. */
  finish(): void {
    clearInterval(this.timer);
    this.draw();
    if (this.stream.isTTY) this.stream.write('\n');
  }

  private draw(): void {
    const line = formatProgress(this.done, this.total, Date.now() - this.started);
    this.stream.write(this.stream.isTTY ? `\r\x1b[2K${line}` : `${line}\n`);
  }
}
