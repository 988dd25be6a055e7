/**
 * The trend of one test as inline SVG: one circle per value in time order, joined by a line, with
 * the lowest and highest value and the first and last date on the axes. Each circle carries its
 * value and time in data-value and data-time.
 */
import { escapeHtml } from './html.js';
import { russianDate } from './lab-result-fields.js';
import type { TrendSeries } from './trend-series.js';

const WIDTH = 640;
const HEIGHT = 260;
const PLOT = { left: 64, right: WIDTH - 24, top: 20, bottom: HEIGHT - 44 };

/** Maps [low, high] onto [from, to]; a single value lands in the middle. */
function scale(low: number, high: number, from: number, to: number): (value: number) => number {
  if (high === low) return () => (from + to) / 2;
  return (value) => from + ((value - low) / (high - low)) * (to - from);
}

function round(coordinate: number): string {
  return coordinate.toFixed(1);
}

function withUnit(value: number, unit: string | undefined): string {
  return [value.toLocaleString('ru-RU'), unit].filter(Boolean).join(' ');
}

export function trendChart(series: TrendSeries): string {
  const { points, unit } = series;
  const values = points.map((point) => point.value);
  const instants = points.map((point) => point.instant);
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const x = scale(Math.min(...instants), Math.max(...instants), PLOT.left + 8, PLOT.right - 8);
  const y = scale(low, high, PLOT.bottom - 8, PLOT.top + 8);
  const line = points.map((point) => `${round(x(point.instant))},${round(y(point.value))}`).join(' ');
  const circles = points.map((point) => {
    const label = `${russianDate(point.time)} — ${withUnit(point.value, unit)}`;
    return `<circle cx="${round(x(point.instant))}" cy="${round(y(point.value))}" r="5" data-value="${point.value}" data-time="${escapeHtml(point.time)}"><title>${escapeHtml(label)}</title></circle>`;
  });
  const first = points[0]!;
  const last = points[points.length - 1]!;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeHtml(`Динамика: ${series.name}`)}" data-testid="trend" data-code="${escapeHtml(series.code)}">`,
    `<line class="axis" x1="${PLOT.left}" y1="${PLOT.bottom}" x2="${PLOT.right}" y2="${PLOT.bottom}"/>`,
    `<line class="axis" x1="${PLOT.left}" y1="${PLOT.top}" x2="${PLOT.left}" y2="${PLOT.bottom}"/>`,
    `<text x="${PLOT.left - 6}" y="${round(y(high) + 4)}" text-anchor="end">${escapeHtml(high.toLocaleString('ru-RU'))}</text>`,
    high === low ? '' : `<text x="${PLOT.left - 6}" y="${round(y(low) + 4)}" text-anchor="end">${escapeHtml(low.toLocaleString('ru-RU'))}</text>`,
    `<text x="${PLOT.left}" y="${PLOT.top - 6}">${escapeHtml(unit ?? '')}</text>`,
    `<text x="${round(x(first.instant))}" y="${HEIGHT - 20}" text-anchor="${points.length > 1 ? 'start' : 'middle'}">${escapeHtml(russianDate(first.time))}</text>`,
    points.length > 1 ? `<text x="${round(x(last.instant))}" y="${HEIGHT - 20}" text-anchor="end">${escapeHtml(russianDate(last.time))}</text>` : '',
    `<polyline class="trend-line" points="${line}"/>`,
    ...circles,
    '</svg>',
  ].filter(Boolean).join('\n');
}
