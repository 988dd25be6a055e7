import { outputTables } from './output-tables.js';
import { type BenchRun, statusOf } from './run-bench.js';

export interface Machine { cpus: number; cpuModel: string; memoryGb: number; platform: string; node: string }

export interface Summary {
  date: Date;
  machine: Machine;
  quick: boolean;
  runs: BenchRun[];
  /** The chart's file name next to summary.md, or why there is none. */
  chart: { file: string } | { missing: string };
}

/** bench/results/summary.md: when and where, the status of each bench, the chart, then each bench's tables. */
export function summaryMarkdown(summary: Summary): string {
  const { machine } = summary;
  const chart = 'file' in summary.chart
    ? `[![Throughput and latency per scenario](${summary.chart.file})](${summary.chart.file})`
    : `No chart: ${summary.chart.missing}.`;
  return [
    '# Benchmark summary',
    [
      `- Date: ${summary.date.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      `- Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb.toFixed(1)} GB memory, ${machine.platform}, Node ${machine.node}`,
      summary.quick
        ? '- Mode: quick (`BENCH_QUICK=1`): short runs on small data sets, to check that every bench works; not comparable with a full run'
        : "- Mode: full (each bench's own sizes)",
    ].join('\n'),
    chart,
    statusTable(summary.runs),
    ...summary.runs.map(benchSection),
  ].join('\n\n') + '\n';
}

export function statusTable(runs: BenchRun[]): string {
  return ['| bench | status | time |', '|---|---|---:|', ...runs.map((run) => `| ${run.bench.name} | ${statusOf(run)} | ${Math.round(run.seconds)} s |`)].join('\n');
}

function benchSection(run: BenchRun): string {
  const tables = outputTables(run.output);
  return [
    `## ${run.bench.name}`,
    `\`npm run ${run.bench.script}\`: ${statusOf(run)}, ${Math.round(run.seconds)} s`,
    ...(tables.length > 0 ? tables : ['No table was printed.']),
  ].join('\n\n');
}
