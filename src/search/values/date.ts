/** Date index entries: the instant range lo..hi each value covers (Date objects, inclusive). */
import type { Period, Timing } from 'fhir/r4.js';
import type { IndexEntry } from '../types.js';
import type { TypedValue } from '../expressions.js';
import { MAX_DATE, MIN_DATE, parseDateRange, type DateRange } from '../date-range.js';

/** A Period covers start .. end; a missing end is open (MAX_DATE), a missing start likewise (MIN_DATE). */
function periodRange(period: Period): DateRange | undefined {
  const start = period.start ? parseDateRange(period.start) : undefined;
  const end = period.end ? parseDateRange(period.end) : undefined;
  if (!start && !end) return undefined;
  return { lo: start?.lo ?? MIN_DATE, hi: end?.hi ?? MAX_DATE };
}

/** A Timing covers its earliest to latest event, or else its repeat.boundsPeriod. */
function timingRange(timing: Timing): DateRange | undefined {
  const events = (timing.event ?? []).flatMap((e) => parseDateRange(e) ?? []);
  if (events.length === 0) return timing.repeat?.boundsPeriod ? periodRange(timing.repeat.boundsPeriod) : undefined;
  const lo = Math.min(...events.map((r) => r.lo.getTime()));
  const hi = Math.max(...events.map((r) => r.hi.getTime()));
  return { lo: new Date(lo), hi: new Date(hi) };
}

function rangeOf({ value, type }: TypedValue): DateRange | undefined {
  if (typeof value === 'string') return parseDateRange(value);
  if (typeof value !== 'object' || value === null) return undefined;
  if (type === 'Period') return periodRange(value as Period);
  if (type === 'Timing') return timingRange(value as Timing);
  return undefined;
}

export function dateEntries(p: string, typed: TypedValue): IndexEntry[] {
  const range = rangeOf(typed);
  return range ? [{ p, lo: range.lo, hi: range.hi }] : [];
}
