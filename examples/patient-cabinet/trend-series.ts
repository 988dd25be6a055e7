/** Which of a patient's Observations make the trend of one test: numeric values in time order. */
import type { Observation } from 'fhir/r4.js';
import type { LabResult } from './cabinet-store.js';
import { numericValue, resultInstant, resultTime, testCode, testName } from './lab-result-fields.js';

export interface TrendPoint {
  time: string;
  instant: number;
  value: number;
}

export interface TrendSeries {
  code: string;
  name: string;
  unit?: string;
  /** Oldest first. */
  points: TrendPoint[];
}

export interface TrendTest {
  code: string;
  name: string;
  count: number;
}

/** Values withdrawn by the laboratory do not belong on a trend. */
const WITHDRAWN = new Set(['cancelled', 'entered-in-error']);

function isTrendable(result: LabResult): result is Observation {
  return result.resourceType === 'Observation' && !WITHDRAWN.has(result.status) && numericValue(result) !== undefined && Number.isFinite(resultInstant(result));
}

function newestFirst(results: LabResult[]): LabResult[] {
  return [...results].sort((a, b) => resultInstant(b) - resultInstant(a));
}

/** The tests that have numeric values, the most frequent first (ties: the most recently measured). */
export function trendTests(results: LabResult[]): TrendTest[] {
  const tests = new Map<string, TrendTest>();
  for (const observation of newestFirst(results).filter(isTrendable)) {
    const code = testCode(observation.code);
    if (!code) continue;
    const test = tests.get(code) ?? { code, name: testName(observation.code), count: 0 };
    test.count += 1;
    tests.set(code, test);
  }
  return [...tests.values()].sort((a, b) => b.count - a.count);
}

export function trendSeries(results: LabResult[], code: string): TrendSeries | undefined {
  const observations = newestFirst(results).filter(isTrendable).filter((observation) => observation.code.coding?.some((coding) => coding.code === code));
  const newest = observations[0];
  if (!newest) return undefined;
  const points = observations.reverse().map((observation) => ({ time: resultTime(observation)!, instant: resultInstant(observation), value: numericValue(observation)!.value }));
  return { code, name: testName(newest.code), unit: numericValue(newest)!.unit, points };
}
