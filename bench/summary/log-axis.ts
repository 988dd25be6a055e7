/** A base-10 logarithmic axis over whole decades, mapping values to a pixel span. */
export interface LogAxis {
  /** Pixel position of a value; values at or below the axis minimum sit at its start. */
  x(value: number): number;
  /** Where to draw gridlines: each decade, and 2 and 5 times it when the axis spans three decades or fewer. */
  ticks: number[];
}

export function logAxis(values: number[], from: number, to: number): LogAxis {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  const low = Math.floor(Math.log10(positive.length > 0 ? Math.min(...positive) : 1));
  let high = Math.ceil(Math.log10(positive.length > 0 ? Math.max(...positive) : 10));
  if (high <= low) high = low + 1;
  const decades = Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i));
  const steps = high - low <= 3 ? [1, 2, 5] : [1];
  const ticks = decades.flatMap((decade) => steps.map((step) => step * decade)).filter((tick) => tick <= 10 ** high);
  const x = (value: number) => {
    const decade = value > 0 ? Math.max(low, Math.log10(value)) : low;
    return from + ((decade - low) / (high - low)) * (to - from);
  };
  return { x, ticks };
}

/** A figure for a chart label: 3 significant digits at most, thousands as k, millions as M. */
export function shortNumber(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 1e6) return `${trimmed(value / 1e6)}M`;
  if (Math.abs(value) >= 1000) return `${trimmed(value / 1000)}k`;
  return trimmed(value);
}

function trimmed(value: number): string {
  return String(Number(value.toPrecision(3)));
}
