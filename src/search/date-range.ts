/**
 * FHIR date, dateTime and instant values as instant ranges.
 * A value covers every instant of its precision: "2024-03" covers
 * 2024-03-01T00:00:00.000Z .. 2024-03-31T23:59:59.999Z. Values without a time zone
 * (dates, and dateTimes lacking one) are read as UTC. Ranges are inclusive, in ms.
 */

export interface DateRange {
  lo: Date;
  hi: Date;
}

/** Bounds used for open Period ends. */
export const MIN_DATE = new Date(-8640000000000000);
export const MAX_DATE = new Date(8640000000000000);

const PATTERN =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+\- ]\d{2}:\d{2})?)?)?)?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Time zone offset in minutes; a space stands for "+" (an unencoded "+" in a URL). */
function offsetMinutes(zone: string | undefined): number {
  if (!zone || zone === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
}

function valid(y: number, mo: number, d: number, h: number, mi: number, s: number, zone?: string): boolean {
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return false;
  if (h > 23 || mi > 59 || s > 59) return false;
  return !zone || zone === 'Z' || (Number(zone.slice(1, 3)) <= 14 && Number(zone.slice(4, 6)) <= 59);
}

/** The instant range of a FHIR date/dateTime/instant string; undefined when malformed. */
export function parseDateRange(text: string): DateRange | undefined {
  const m = PATTERN.exec(text.trim());
  if (!m) return undefined;
  const [, ys, mos, ds, hs, mis, ss, frac, zone] = m;
  const y = Number(ys), mo = Number(mos ?? 1), d = Number(ds ?? 1);
  const h = Number(hs ?? 0), mi = Number(mis ?? 0), s = Number(ss ?? 0);
  if (!valid(y, mo, d, h, mi, s, zone)) return undefined;
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  const start = Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMinutes(zone) * 60000;
  const startDate = new Date(start);
  if (y < 100) startDate.setUTCFullYear(y); // Date.UTC maps 0..99 to 1900..1999
  const end = endOf(startDate.getTime(), { ys, mos, ds, hs, ss, frac });
  return { lo: startDate, hi: new Date(end) };
}

/** Last millisecond covered, from the precision of the written value. */
function endOf(start: number, parts: Record<string, string | undefined>): number {
  const from = new Date(start);
  if (parts.frac) return start + 10 ** Math.max(0, 3 - parts.frac.length) - 1;
  if (parts.ss) return start + 999;
  if (parts.hs) return start + 60_000 - 1;
  if (parts.ds) return start + 86_400_000 - 1;
  if (parts.mos) return nextUtc(from, 0, 1) - 1;
  return nextUtc(from, 1, 0) - 1;
}

function nextUtc(from: Date, years: number, months: number): number {
  const next = new Date(from.getTime());
  next.setUTCFullYear(from.getUTCFullYear() + years, from.getUTCMonth() + months, 1);
  return next.getTime();
}
