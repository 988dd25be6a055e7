/**
 * The summary chart as SVG: throughput bars per scenario and latency bars (p50 and p99) per
 * scenario, each panel on its own logarithmic axis, targets as red diamonds, bars that miss
 * their target in orange. Drawn here rather than by a charting library to keep dependencies out.
 */
import { escapeHtml } from '../../examples/patient-cabinet/html.js';
import type { BenchResult } from '../results-file.js';
import { type LogAxis, logAxis, shortNumber } from './log-axis.js';

export interface Chart { svg: string; width: number; height: number }

const WIDTH = 1300;
const CHAR_WIDTH = 6.7; // of 12px DejaVu Sans, on average
const MAX_LABEL_CHARS = 78;
/** The column right of the bars with each row's figures and targets, in small text. */
const FIGURES_WIDTH = 340;
const COLOURS = { typical: '#2f6db5', tail: '#9cc1e8', missed: '#e08a2c', target: '#c0392b', grid: '#e3e6ea' };

interface Bar {
  value: number;
  unit: string;
  target?: number;
  /** How the value must compare with the target: throughput at least, times below. */
  comparator: '≥' | '<';
  missed: boolean;
  name?: string;
  colour: string;
}
interface Row { label: string; bars: Bar[] }

export function chartSvg(results: BenchResult[], title: string): Chart {
  const rows = { throughput: throughputRows(results), latency: latencyRows(results) };
  const labelChars = Math.min(MAX_LABEL_CHARS, Math.max(20, ...[...rows.throughput, ...rows.latency].map((row) => row.label.length)));
  const plot = { from: Math.round(labelChars * CHAR_WIDTH) + 24, to: WIDTH - FIGURES_WIDTH - 24 };
  const parts = [`<text x="16" y="30" class="title">${escapeHtml(title)}</text>`, legend(56)];
  let y = 84;
  for (const [name, panelRows] of [['Throughput per second (log scale)', rows.throughput], ['Latency in ms (log scale)', rows.latency]] as const) {
    if (panelRows.length === 0) continue;
    const drawn = panel(name, panelRows, y, plot);
    parts.push(drawn.svg);
    y = drawn.bottom + 28;
  }
  if (rows.throughput.length + rows.latency.length === 0) {
    parts.push(`<text x="16" y="${y + 10}">No results were recorded.</text>`);
    y += 40;
  }
  const height = y;
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    `<style>text { font-family: 'DejaVu Sans', sans-serif; font-size: 12px; fill: #333; } .title { font-size: 18px; font-weight: bold; } .panel { font-size: 14px; font-weight: bold; } .small { font-size: 10px; fill: #555; } .figures { font-size: 11px; }</style>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    ...parts,
    '</svg>',
  ].join('\n');
  return { svg, width: WIDTH, height };
}

function labelOf(result: BenchResult): string {
  return `${result.bench}: ${result.scenario}`;
}

function bar(result: BenchResult, colour: string, name?: string): Bar {
  const floor = result.metric === 'throughput';
  const missed = result.target !== undefined && (floor ? result.value < result.target : result.value > result.target);
  return { value: result.value, unit: result.unit, target: result.target, comparator: floor ? '≥' : '<', missed, name, colour };
}

function throughputRows(results: BenchResult[]): Row[] {
  return results.filter((r) => r.metric === 'throughput').map((r) => ({ label: labelOf(r), bars: [bar(r, COLOURS.typical)] }));
}

/** One row per scenario with a latency: its p50 (or mean) above its p99 (or p95). */
function latencyRows(results: BenchResult[]): Row[] {
  const byScenario = new Map<string, BenchResult[]>();
  for (const result of results.filter((r) => r.metric.startsWith('latency-'))) {
    byScenario.set(labelOf(result), [...byScenario.get(labelOf(result)) ?? [], result]);
  }
  return [...byScenario].map(([label, figures]) => {
    const find = (...metrics: string[]) => figures.find((f) => metrics.includes(f.metric));
    const typical = find('latency-p50', 'latency-mean');
    const tail = find('latency-p99', 'latency-p95');
    const bars = [
      ...(typical ? [bar(typical, COLOURS.typical, typical.metric === 'latency-mean' ? 'mean' : 'p50')] : []),
      ...(tail ? [bar(tail, COLOURS.tail, tail.metric.slice('latency-'.length))] : []),
    ];
    return { label, bars };
  });
}

function panel(name: string, rows: Row[], top: number, plot: { from: number; to: number }): { svg: string; bottom: number } {
  const rowHeight = Math.max(...rows.map((row) => row.bars.length)) > 1 ? 30 : 22;
  const axis = logAxis(rows.flatMap((row) => row.bars.flatMap((b) => [b.value, b.target ?? NaN])), plot.from, plot.to);
  const rowsTop = top + 30;
  const bottom = rowsTop + rows.length * rowHeight;
  const grid = axis.ticks.map((tick) => {
    const x = round(axis.x(tick));
    return `<line x1="${x}" y1="${rowsTop - 4}" x2="${x}" y2="${bottom}" stroke="${COLOURS.grid}"/>`
      + `<text x="${x}" y="${rowsTop - 8}" text-anchor="middle" class="small">${shortNumber(tick)}</text>`;
  });
  const drawn = rows.map((row, i) => rowSvg(row, rowsTop + i * rowHeight, rowHeight, axis, plot.from));
  const svg = [`<text x="16" y="${top + 6}" class="panel">${escapeHtml(name)}</text>`, ...grid, ...drawn,
    `<line x1="${plot.from}" y1="${rowsTop - 4}" x2="${plot.from}" y2="${bottom}" stroke="#8a8f99"/>`].join('\n');
  return { svg, bottom };
}

function rowSvg(row: Row, top: number, height: number, axis: LogAxis, from: number): string {
  const label = row.label.length > MAX_LABEL_CHARS ? `${row.label.slice(0, MAX_LABEL_CHARS - 1)}…` : row.label;
  const middle = round(top + height / 2 + 4);
  const barHeight = (height - 6) / row.bars.length;
  const parts = [
    `<text x="${from - 8}" y="${middle}" text-anchor="end"><title>${escapeHtml(row.label)}</title>${escapeHtml(label)}</text>`,
    `<text x="${WIDTH - FIGURES_WIDTH}" y="${middle}" class="figures">${escapeHtml(figuresText(row.bars))}</text>`,
  ];
  row.bars.forEach((b, i) => {
    const y = top + 3 + i * barHeight;
    parts.push(`<rect x="${from}" y="${round(y)}" width="${round(Math.max(1, axis.x(b.value) - from))}" height="${round(barHeight - 1)}" fill="${b.missed ? COLOURS.missed : b.colour}"/>`);
    if (b.target !== undefined) parts.push(diamond(axis.x(b.target), y + barHeight / 2, Math.min(6, barHeight / 2 + 1)));
  });
  return parts.join('\n');
}

/** "p50 22.2 ms, p99 37 ms (target p50 < 100)" */
function figuresText(bars: Bar[]): string {
  const figures = bars.map((b) => `${b.name ? `${b.name} ` : ''}${shortNumber(b.value)} ${b.unit}`).join(', ');
  const targets = bars.filter((b) => b.target !== undefined)
    .map((b) => `${b.name ? `${b.name} ` : ''}${b.comparator} ${shortNumber(b.target!)}`);
  return targets.length === 0 ? figures : `${figures} (target ${targets.join(', ')})`;
}

function diamond(x: number, y: number, size: number): string {
  return `<path d="M${round(x)} ${round(y - size)} L${round(x + size)} ${round(y)} L${round(x)} ${round(y + size)} L${round(x - size)} ${round(y)} Z" fill="${COLOURS.target}" class="target"/>`;
}

function legend(y: number): string {
  const items = [['p50, mean or throughput', COLOURS.typical], ['p99 or p95', COLOURS.tail], ['misses its target', COLOURS.missed]] as const;
  const swatches = items.map(([text, colour], i) => `<rect x="${16 + i * 210}" y="${y - 10}" width="14" height="12" fill="${colour}"/><text x="${36 + i * 210}" y="${y}">${text}</text>`);
  return [...swatches, diamond(16 + 3 * 210 + 7, y - 4, 6), `<text x="${36 + 3 * 210}" y="${y}">target</text>`].join('\n');
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
