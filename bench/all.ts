/**
 * Every benchmark in one command (npm run bench:all): runs each bench as its own process in turn,
 * its output streamed here, then writes bench/results/summary.md (each bench's tables) and
 * bench/results/summary.png (throughput and latency per scenario, with targets). A bench that
 * fails is marked so and the rest still run; the exit code is 1 when any failed.
 * BENCH_ONLY=rest,signing runs some of them; BENCH_QUICK=1 gives every bench small sizes.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, totalmem } from 'node:os';
import { join } from 'node:path';
import { browserSkip } from '../test/support/chromium.js';
import { readResults, RESULTS_FILE_ENV } from './results-file.js';
import { selectBenches } from './summary/benches.js';
import { renderPng } from './summary/chart-png.js';
import { chartSvg } from './summary/chart-svg.js';
import { type BenchRun, runBench, succeeded } from './summary/run-bench.js';
import { type Machine, type Summary, statusTable, summaryMarkdown } from './summary/summary-markdown.js';

const RESULTS_DIR = new URL('results/', import.meta.url).pathname;
const RESULTS_FILE = join(RESULTS_DIR, 'results.jsonl.tmp');
const CHART_FILE = 'summary.png';

function machine(): Machine {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', memoryGb: totalmem() / 1024 ** 3, platform: `${platform()} ${arch()}`, node: process.version };
}

async function chart(date: Date, quick: boolean): Promise<Summary['chart']> {
  if (browserSkip) return { missing: browserSkip };
  const title = `Benchmarks, ${date.toISOString().slice(0, 10)}, ${cpus().length} CPUs, Node ${process.version}${quick ? ', quick mode (small sizes)' : ''}`;
  try {
    await renderPng(chartSvg(readResults(RESULTS_FILE), title), join(RESULTS_DIR, CHART_FILE));
    return { file: CHART_FILE };
  } catch (error) {
    return { missing: `rendering failed (${(error as Error).message.split('\n')[0]})` };
  }
}

async function main(): Promise<void> {
  const benches = selectBenches(process.env.BENCH_ONLY);
  const quick = process.env.BENCH_QUICK === '1';
  const date = new Date();
  mkdirSync(RESULTS_DIR, { recursive: true });
  rmSync(RESULTS_FILE, { force: true });
  const runs: BenchRun[] = [];
  for (const bench of benches) {
    console.log(`\n### ${bench.name} (npm run ${bench.script})${quick ? ', quick' : ''}\n`);
    runs.push(await runBench(bench, { ...(quick ? bench.quickEnv : {}), ...process.env, [RESULTS_FILE_ENV]: RESULTS_FILE }));
  }
  const summary: Summary = { date, machine: machine(), quick, runs, chart: await chart(date, quick) };
  writeFileSync(join(RESULTS_DIR, 'summary.md'), summaryMarkdown(summary));
  rmSync(RESULTS_FILE, { force: true });
  console.log(`\n${statusTable(runs)}\n\nWrote ${join(RESULTS_DIR, 'summary.md')}${'file' in summary.chart ? ` and ${CHART_FILE}` : ` (${summary.chart.missing})`}`);
  if (!runs.every(succeeded)) process.exitCode = 1;
}

await main();
