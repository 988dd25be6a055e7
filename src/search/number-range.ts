/**
 * Numbers with their implicit precision: "100" stands for 99.5 .. 100.5,
 * "1.50" for 1.495 .. 1.505, "1e2" for 50 .. 150 (half a unit of the last written digit).
 */

export interface NumberRange {
  value: number;
  lo: number;
  hi: number;
}

const PATTERN = /^[+-]?(?:\d+(\.\d*)?|\.(\d+))(?:[eE]([+-]?\d+))?$/;

/** Parses a decimal as written; undefined when it is not a number. */
export function parseNumberRange(text: string): NumberRange | undefined {
  const m = PATTERN.exec(text.trim());
  if (!m) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) return undefined;
  const decimals = (m[1] ? m[1].length - 1 : 0) + (m[2] ? m[2].length : 0);
  const exponent = m[3] ? Number(m[3]) : 0;
  const half = 10 ** (exponent - decimals) / 2;
  return { value, lo: round(value - half, decimals - exponent + 1), hi: round(value + half, decimals - exponent + 1) };
}

/** The range of a number stored as a JSON number (its shortest decimal form). */
export function numberRange(value: number): NumberRange {
  return parseNumberRange(String(value)) ?? { value, lo: value, hi: value };
}

/** Rounds away binary noise (100.45 - 0.05 = 100.39999...) at the range's own precision. */
function round(x: number, digits: number): number {
  return digits > 0 && digits <= 100 ? Number(x.toFixed(Math.min(digits, 20))) : x;
}
