import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { type BenchResult, readResults, recordLoad, recordResult, RESULTS_FILE_ENV } from '../../bench/results-file.js';
import { BENCHES, selectBenches } from '../../bench/summary/benches.js';
import { renderPng } from '../../bench/summary/chart-png.js';
import { chartSvg } from '../../bench/summary/chart-svg.js';
import { logAxis, shortNumber } from '../../bench/summary/log-axis.js';
import { outputTables } from '../../bench/summary/output-tables.js';
import { type BenchRun, runBench, statusOf } from '../../bench/summary/run-bench.js';
import { summaryMarkdown } from '../../bench/summary/summary-markdown.js';
import { browserSkip } from '../support/chromium.js';

const REST_OUTPUT = [
  '{"level":30,"msg":"starting"}',
  '',
  '64 connections, 2 s per scenario after 1 s of warm-up, embedded store',
  '',
  '| scenario | target | req/s | p50 ms | p99 ms | errors | ratio to bare |',
  '|---|---|---:|---:|---:|---:|---:|',
  '| read by id | bare | 20000 | 2 | 5 | 0 |  |',
  '| read by id | fhir | 9000 | 6 | 14 | 0 | 45% |',
  '',
  'FHIR server with 5000 Observations stored: peak RSS 180 MB; now 120 MB private memory',
  '',
].join('\n');

const SEARCH_OUTPUT = [
  '\rseeded 2000 Observations\rseeded 4000 Observations',
  'seeded 200 Patients and 4000 Observations in 3 s',
  '',
  '200 Patients, 4000 Observations, embedded store',
  '',
  '| search | target | p50 ms, 1 connection |',
  '|---|---|---:|',
  '| Patient?identifier=… | p50 < 2 ms | 1 |',
  '',
  'Plans:',
  '- Observation?code=1000: {"stage":"IXSCAN"}',
].join('\n');

function run(name: string, output: string, exitCode: number | null, signal: NodeJS.Signals | null = null): BenchRun {
  return { bench: BENCHES.find((b) => b.name === name)!, exitCode, signal, seconds: 12.4, output };
}

const SAMPLE_RESULTS: BenchResult[] = [
  { bench: 'rest', scenario: 'read by id (fhir)', metric: 'throughput', value: 9000, unit: 'req/s' },
  { bench: 'rest', scenario: 'read by id (fhir)', metric: 'latency-p50', value: 6, unit: 'ms' },
  { bench: 'rest', scenario: 'read by id (fhir)', metric: 'latency-p99', value: 14, unit: 'ms' },
  { bench: 'search', scenario: 'Observation?patient=X&code=Y, 16 connections', metric: 'throughput', value: 420, unit: 'req/s', target: 500 },
  { bench: 'signing', scenario: 'sign jws RSA 2048', metric: 'latency-p50', value: 22.2, unit: 'ms', target: 100 },
  { bench: 'signing', scenario: 'sign jws RSA 2048', metric: 'latency-p95', value: 36.8, unit: 'ms' },
  { bench: 'transaction', scenario: 'one 10000-entry transaction', metric: 'memory-growth', value: 150, unit: 'MB', target: 200 },
];

t.test('a table is kept with the line before it and the figure lines after it', async (t) => {
  const [block] = outputTables(REST_OUTPUT);
  t.equal(outputTables(REST_OUTPUT).length, 1);
  t.match(block, /^64 connections, 2 s per scenario after 1 s of warm-up, embedded store\n\n\| scenario \| target \| req\/s/);
  t.match(block, /\| read by id \| fhir \| 9000 \| 6 \| 14 \| 0 \| 45% \|\n\nFHIR server with 5000 Observations stored: peak RSS 180 MB/);
  t.notMatch(block, /starting/);
});

t.test('figure lines stop at the first line without a figure, and \\r progress lines count by their last state', async (t) => {
  const [block] = outputTables(SEARCH_OUTPUT);
  t.match(block, /^200 Patients, 4000 Observations, embedded store\n\n\| search \|/);
  t.notMatch(block, /Plans|IXSCAN|seeded/);
  t.same(outputTables('no table here\n1 2 3\n'), []);
});

t.test('two tables in one output are two blocks, each with its own caption and trailing lines', async (t) => {
  const output = 'First, 2 rows\n\n| a |\n|---|\n| 1 |\n\nTarget: a ≥ 1.\n\nSecond\n| b |\n|---|\n| 2 |\n';
  t.same(outputTables(output), ['First, 2 rows\n\n| a |\n|---|\n| 1 |\n\nTarget: a ≥ 1.', 'Second\n\n| b |\n|---|\n| 2 |']);
});

t.test('BENCH_ONLY selects benches in the order bench:all runs them and refuses unknown names', async (t) => {
  t.same(selectBenches('signing, rest').map((b) => b.name), ['rest', 'signing']);
  t.equal(selectBenches(undefined).length, BENCHES.length);
  t.equal(selectBenches('').length, BENCHES.length);
  t.throws(() => selectBenches('rest,nonsense'), /BENCH_ONLY names unknown benches: nonsense; known: rest, search/);
});

t.test('the summary names date, machine and mode, links the chart, and marks a failed bench with its exit code', async (t) => {
  const markdown = summaryMarkdown({
    date: new Date('2026-11-20T09:30:00Z'), machine: { cpus: 2, cpuModel: 'Test CPU', memoryGb: 8, platform: 'linux x64', node: 'v20.20.2' },
    quick: true, runs: [run('rest', REST_OUTPUT, 0), run('search', SEARCH_OUTPUT, 2), run('signing', '', null, 'SIGKILL')], chart: { file: 'summary.png' },
  });
  t.match(markdown, '- Date: 2026-11-20 09:30 UTC');
  t.match(markdown, '- Machine: 2 CPUs (Test CPU), 8.0 GB memory, linux x64, Node v20.20.2');
  t.match(markdown, '- Mode: quick (`BENCH_QUICK=1`)');
  t.match(markdown, '[![Throughput and latency per scenario](summary.png)](summary.png)');
  t.match(markdown, '| rest | ok | 12 s |\n| search | failed (exit 2) | 12 s |\n| signing | failed (SIGKILL) | 12 s |');
  t.match(markdown, /## rest\n\n`npm run bench`: ok, 12 s\n\n64 connections/);
  t.match(markdown, /## search\n\n`npm run bench:search`: failed \(exit 2\), 12 s\n\n200 Patients/);
  t.match(markdown, /## signing\n\n`npm run bench:signing`: failed \(SIGKILL\), 12 s\n\nNo table was printed\./);
  const without = summaryMarkdown({
    date: new Date(), machine: { cpus: 1, cpuModel: 'x', memoryGb: 1, platform: 'p', node: 'n' }, quick: false, runs: [], chart: { missing: '/usr/bin/chromium is not installed' },
  });
  t.match(without, "- Mode: full (each bench's own sizes)");
  t.match(without, 'No chart: /usr/bin/chromium is not installed.');
  t.notMatch(without, 'summary.png');
});

t.test('a bench that fails is reported with its exit code and its output kept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-run-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'failing.ts');
  writeFileSync(file, 'console.log("# partial: " + process.env.BENCH_PROBE);\nprocess.exit(3);\n');
  const failed = await runBench({ name: 'failing', file, script: 'none', quickEnv: {} }, { ...process.env, BENCH_PROBE: 'passed through' });
  t.equal(failed.exitCode, 3);
  t.equal(statusOf(failed), 'failed (exit 3)');
  t.equal(failed.output, '# partial: passed through\n');
});

t.test('results go to BENCH_RESULTS_FILE as JSON lines, and nowhere without it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
  const file = join(dir, 'results.jsonl');
  const previous = process.env[RESULTS_FILE_ENV];
  t.teardown(() => {
    if (previous === undefined) delete process.env[RESULTS_FILE_ENV];
    else process.env[RESULTS_FILE_ENV] = previous;
    rmSync(dir, { recursive: true, force: true });
  });
  delete process.env[RESULTS_FILE_ENV];
  recordResult(SAMPLE_RESULTS[0]!);
  t.same(readResults(file), []);
  process.env[RESULTS_FILE_ENV] = file;
  recordLoad('auth-audit', 'read by id, both on', { perSecond: 3000, p50: 20, p99: 45 }, 'req/s', { perSecond: 2400 });
  recordResult(SAMPLE_RESULTS[6]!);
  t.equal(readFileSync(file, 'utf8').trim().split('\n').length, 4);
  t.same(readResults(file), [
    { bench: 'auth-audit', scenario: 'read by id, both on', metric: 'throughput', value: 3000, unit: 'req/s', target: 2400 },
    { bench: 'auth-audit', scenario: 'read by id, both on', metric: 'latency-p50', value: 20, unit: 'ms' },
    { bench: 'auth-audit', scenario: 'read by id, both on', metric: 'latency-p99', value: 45, unit: 'ms' },
    SAMPLE_RESULTS[6],
  ]);
});

t.test('the log axis spans whole decades and places values by their logarithm', async (t) => {
  const axis = logAxis([420, 9000, 500], 100, 400);
  t.equal(axis.x(100), 100);
  t.equal(axis.x(10_000), 400);
  t.equal(axis.x(1000), 250);
  t.equal(axis.x(0), 100, 'zero sits at the start');
  t.same(axis.ticks, [100, 200, 500, 1000, 2000, 5000, 10_000]);
  t.same(logAxis([0.5, 20_000], 0, 1).ticks, [0.1, 1, 10, 100, 1000, 10_000, 100_000]);
  t.same([shortNumber(19_833), shortNumber(22.24), shortNumber(0.456), shortNumber(1_250_000), shortNumber(NaN)], ['19.8k', '22.2', '0.456', '1.25M', 'n/a']);
});

t.test('the chart has a throughput bar per scenario, p50 and p99 bars per latency scenario, and a diamond per target', async (t) => {
  const chart = chartSvg(SAMPLE_RESULTS, 'Benchmarks & a title');
  const { svg } = chart;
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="1300" height="\d+"/);
  t.match(svg, '>Benchmarks &amp; a title</text>');
  t.match(svg, 'Throughput per second (log scale)');
  t.match(svg, 'Latency in ms (log scale)');
  t.match(svg, '>search: Observation?patient=X&amp;code=Y, 16 connections</text>');
  t.match(svg, '>420 req/s (target ≥ 500)</text>');
  t.match(svg, '>9k req/s</text>');
  t.match(svg, '>p50 6 ms, p99 14 ms</text>');
  t.match(svg, '>p50 22.2 ms, p95 36.8 ms (target p50 &lt; 100)</text>');
  t.notMatch(svg, 'memory', 'memory figures are in the tables, not the chart');
  const bars = svg.match(/<rect x="\d[^>]*fill="#[0-9a-f]{6}"\/>/g) ?? [];
  t.equal(bars.length - 3, 2 + 2 * 2, 'two throughput bars and two pairs of latency bars besides the three legend swatches');
  t.equal(bars.filter((b) => b.includes('#e08a2c')).length - 1, 1, 'only search misses its target (and the legend swatch)');
  t.equal((svg.match(/class="target"/g) ?? []).length - 1, 2, 'two targets besides the legend');
  t.equal(chart.height, Number(/height="(\d+)"/.exec(svg)![1]));
});

t.test('a long scenario name is shortened with its full name kept as a tooltip', async (t) => {
  const scenario = `zero loss: ${'a very long description '.repeat(6)}`;
  const { svg } = chartSvg([{ bench: 'subscriptions', scenario, metric: 'throughput', value: 5, unit: 'results/s' }], 't');
  t.match(svg, `<title>subscriptions: ${scenario}</title>`);
  t.match(svg, /…<\/text>/);
  t.match(chartSvg([], 'empty').svg, 'No results were recorded.');
});

t.test('the chart renders to a PNG of its own size with Chromium', { skip: browserSkip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-chart-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const chart = chartSvg(SAMPLE_RESULTS, 'PNG test');
  const file = join(dir, 'chart.png');
  await renderPng(chart, file);
  const png = readFileSync(file);
  t.same([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  t.equal(png.readUInt32BE(16), chart.width, 'IHDR width');
  t.equal(png.readUInt32BE(20), chart.height, 'IHDR height');
  t.ok(png.length > 5000, 'more than a blank image');
});
