/**
 * Chooses how to find candidate documents for a filter: direct primary-key
 * gets (IDHACK), one index scan (IXSCAN), a union of per-branch scans for an
 * `$or` (OR), or a full scan (COLLSCAN). Candidates are always re-checked with mingo.
 */
import { END, TAG, isIndexableScalar, isPlainObject, isRangeSafe, nanComponent } from './key-codec.ts';
import { elementsRegular } from './index-traits.ts';
import { type FieldBounds, fieldBounds, isOperatorObject, pointCount } from './bounds.ts';
import { type IndexDef, indexPrefix } from './index-keys.ts';

export interface Interval {
  start: Buffer;
  end: Buffer; // exclusive
}

/**
 * Another index whose every field the filter fixes to strings: a candidate can match only if that
 * index holds one of the keys `prefix + its primary key` (index keys are a superset of matches),
 * which one lookup tells, before the document is read. When the filter fixes all fields but the
 * last, the prefixes are those fixed values followed by each value the last field holds in the
 * index (a code's few systems, say), read once per query.
 */
export interface Probe {
  index: IndexDef;
  prefixes: Buffer[];
}

export type Plan =
  | { stage: 'IDHACK'; ids: unknown[] }
  | {
    stage: 'IXSCAN'; index: IndexDef; intervals: Interval[]; probes?: Probe[];
    /** `$elemMatch` conditions that a key found in the scan or a probe proves (see elemMatchProven). */
    proven?: ProvenCondition[];
  }
  | { stage: 'OR'; plans: Plan[] }
  | { stage: 'COLLSCAN' };

/** Conditions whose bounds may be combined across the fields of one compound index. */
interface BoundsGroup {
  bounds: Map<string, FieldBounds>;
  /** Field paths must all start with this prefix to be combined (elemMatch); null = top level. */
  elemPrefix: string | null;
  /** The `$elemMatch` condition the bounds come from; null = top level. */
  elemMatch: unknown;
}

const MAX_INTERVALS = 1000;
/** A probe with more alternative keys than this costs more lookups than it saves reads. */
const MAX_PROBE_KEYS = 16;

function isNumericSegmentPath(path: string): boolean {
  return path.split('.').some((s) => /^\d+$/.test(s));
}

export function conjuncts(filter: Record<string, unknown>): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and' && Array.isArray(v)) {
      for (const sub of v) if (isPlainObject(sub)) out.push(...conjuncts(sub));
    } else {
      out.push([k, v]);
    }
  }
  return out;
}

function idValues(cond: unknown): unknown[] | null {
  if (!isOperatorObject(cond)) return isIndexableScalar(cond) ? [cond] : null;
  if ('$eq' in cond && isIndexableScalar(cond.$eq)) return [cond.$eq];
  if (Array.isArray(cond.$in) && cond.$in.every(isIndexableScalar)) return cond.$in;
  return null;
}

function elemMatchGroup(path: string, sub: unknown): BoundsGroup | null {
  if (!isPlainObject(sub)) return null;
  const bounds = new Map<string, FieldBounds>();
  if (isOperatorObject(sub)) {
    const b = fieldBounds(sub);
    if (b) bounds.set(path, b);
    return { bounds, elemPrefix: path, elemMatch: sub };
  }
  for (const [k, cond] of Object.entries(sub)) {
    if (k.startsWith('$') || isNumericSegmentPath(k)) continue;
    const b = fieldBounds(cond);
    if (b) bounds.set(`${path}.${k}`, b);
  }
  return { bounds, elemPrefix: path, elemMatch: sub };
}

function groupsOf(conds: [string, unknown][]): BoundsGroup[] {
  const top: BoundsGroup = { bounds: new Map(), elemPrefix: null, elemMatch: null };
  const groups = [top];
  for (const [path, cond] of conds) {
    if (path.startsWith('$') || isNumericSegmentPath(path)) continue;
    if (isOperatorObject(cond) && '$elemMatch' in cond) {
      const g = elemMatchGroup(path, cond.$elemMatch);
      if (g) groups.push(g);
    }
    const b = fieldBounds(cond);
    if (b && !top.bounds.has(path)) top.bounds.set(path, b);
  }
  return groups;
}

/** Top-level bounds on fields sharing an array prefix can't be combined: they may hold in different elements. */
function combinable(group: BoundsGroup, field: string, previous: string[]): boolean {
  if (group.elemPrefix !== null) return field === group.elemPrefix || field.startsWith(`${group.elemPrefix}.`);
  const head = field.split('.')[0];
  return previous.every((p) => p.split('.')[0] !== head);
}

function usableBounds(index: IndexDef, group: BoundsGroup): FieldBounds[] {
  const used: FieldBounds[] = [];
  const fields = Object.keys(index.key);
  let combos = 1;
  for (const field of fields) {
    const b = group.bounds.get(field);
    if (!b || !combinable(group, field, fields.slice(0, used.length))) break;
    combos *= pointCount(b);
    if (combos > MAX_INTERVALS) break;
    used.push(b);
    if (b.kind === 'range') break;
  }
  return used;
}

function score(used: FieldBounds[]): number {
  return used.reduce((s, b) => s + (b.kind === 'points' ? 2 : 1), 0);
}

function intervalsOf(index: IndexDef, used: FieldBounds[]): Interval[] {
  let prefixes = [indexPrefix(index)];
  const last = used[used.length - 1];
  for (const b of used.slice(0, -1)) {
    if (b.kind !== 'points') break;
    prefixes = prefixes.flatMap((p) => b.comps.map((c) => Buffer.concat([p, c])));
  }
  return prefixes.flatMap((p) => lastIntervals(p, last));
}

function lastIntervals(p: Buffer, b: FieldBounds): Interval[] {
  if (b.kind === 'points') return b.comps.map((c) => ({ start: Buffer.concat([p, c]), end: Buffer.concat([p, c, END]) }));
  const start = Buffer.concat([p, b.lo ?? Buffer.from([b.tag])]);
  const end = b.hi ? Buffer.concat([p, b.hi, END]) : Buffer.concat([p, Buffer.from([b.tag + 1])]);
  const out = [{ start, end }];
  // mingo's $lte/$gte compare NaN as equal to everything: keep NaN keys (sorted last) as candidates
  if (b.hi && (b.tag === TAG.NUMBER || b.tag === TAG.DATE)) {
    const nan = Buffer.concat([p, nanComponent(b.tag)]);
    out.push({ start: nan, end: Buffer.concat([nan, END]) });
  }
  return out;
}

/** What the planner may read of the indexes to choose a plan. */
export interface IndexStats {
  /** Counts index keys a plan would visit, up to `cap`: a cheap stand-in for MongoDB's plan race. */
  countKeys(intervals: Interval[], cap: number): number;
  /** The keys `prefix + one component` that some entry starts with, or null when there are more than `cap`. */
  nextComponents(prefix: Buffer, cap: number): Buffer[] | null;
}

/**
 * Caps candidates are counted to, round by round, until one counts below the cap: a large
 * interval (a code's hundred thousand keys) is then walked no further than the smallest one
 * needs (a patient's hundred). Past the last cap, all cost the same and the score decides.
 */
const ESTIMATE_CAPS = [16, 128, 1000];

/** How many of `index`'s fields `used` leaves open when it fixes all the others to strings (null: it does not). */
function openFieldsAfterStrings(index: IndexDef, used: FieldBounds[]): number | null {
  const fixed = used.every((b) => b.kind === 'points' && b.comps.every((c) => c[0] === TAG.STRING));
  return fixed ? Object.keys(index.key).length - used.length : null;
}

/** A probe of `index` for string points on all its fields, or on all but the last (see Probe); null when it would cost too many lookups. */
function probeOf(index: IndexDef, intervals: Interval[], openFields: number, stats?: IndexStats): Probe | null {
  if (intervals.length > MAX_PROBE_KEYS) return null;
  if (openFields === 0) return { index, prefixes: intervals.map((i) => i.start) };
  if (openFields !== 1 || !stats) return null;
  const prefixes: Buffer[] = [];
  for (const { start } of intervals) {
    const next = stats.nextComponents(start, MAX_PROBE_KEYS - prefixes.length);
    if (!next) return null;
    prefixes.push(...next);
  }
  return { index, prefixes };
}

interface Candidate {
  plan: Plan & { stage: 'IXSCAN' };
  score: number;
  cost: number;
  /** Fields of the index the filter leaves open after fixing the others to strings (null: not all fixed to strings). */
  openFields: number | null;
  /** The `$elemMatch` condition a key of this index in the plan's intervals proves, if any. */
  proves: ProvenCondition | null;
}

/** A conjunct `{ [path]: { $elemMatch: elemMatch } }` of the filter. */
export interface ProvenCondition {
  path: string;
  elemMatch: unknown;
}

/**
 * The group's `$elemMatch` condition when any key in the intervals of `used` proves that a
 * document matches it: each of its fields an exact string (or `$in` of them) bounded by the
 * index, and every document the index holds had an array of non-arrays there, so a key is one
 * element holding those values (index keys of one element are made together).
 */
function elemMatchProven(index: IndexDef, group: BoundsGroup, used: FieldBounds[]): ProvenCondition | null {
  const { elemPrefix: path, elemMatch: sub } = group;
  if (path === null || !isPlainObject(sub) || isOperatorObject(sub) || !elementsRegular(index, path)) return null;
  const bounded = Object.keys(index.key).slice(0, used.length);
  const exact = Object.entries(sub).every(([k, v]) => isExactStringPoint(v) && bounded.includes(`${path}.${k}`));
  return exact && Object.keys(sub).length > 0 ? { path, elemMatch: sub } : null;
}

/** Sets each candidate's cost: its keys, counted up to the first cap some candidate stays within. */
function estimateCosts(candidates: Candidate[], stats: IndexStats): void {
  for (const cap of ESTIMATE_CAPS) {
    for (const c of candidates) c.cost = stats.countKeys(c.plan.intervals, cap + 1);
    if (candidates.some((c) => c.cost <= cap)) return;
  }
}

function bestIndexPlan(conds: [string, unknown][], indexes: IndexDef[], stats?: IndexStats): Plan | null {
  const candidates: Candidate[] = [];
  for (const group of groupsOf(conds)) {
    for (const index of indexes) {
      const used = usableBounds(index, group);
      const s = score(used);
      if (s === 0) continue;
      const plan = { stage: 'IXSCAN' as const, index, intervals: intervalsOf(index, used) };
      candidates.push({ plan, score: s, cost: 0, openFields: openFieldsAfterStrings(index, used), proves: elemMatchProven(index, group, used) });
    }
  }
  if (candidates.length > 1 && stats) estimateCosts(candidates, stats);
  candidates.sort((x, y) => x.cost - y.cost || y.score - x.score);
  const chosen = candidates[0];
  if (!chosen) return null;
  const best = chosen.plan;
  const probes: Probe[] = [];
  const proven: ProvenCondition[] = chosen.proves ? [chosen.proves] : [];
  for (const { plan, openFields, proves } of candidates) {
    const probe = plan.index !== best.index && openFields !== null ? probeOf(plan.index, plan.intervals, openFields, stats) : null;
    if (!probe) continue;
    probes.push(probe);
    if (proves) proven.push(proves);
  }
  return { ...best, ...(probes.length > 0 ? { probes } : {}), ...(proven.length > 0 ? { proven } : {}) };
}

function orPlan(conds: [string, unknown][], indexes: IndexDef[], stats?: IndexStats): Plan | null {
  for (const [k, v] of conds) {
    if (k !== '$or' || !Array.isArray(v) || v.length === 0) continue;
    const plans = v.map((branch) => (isPlainObject(branch) ? planQuery(branch, indexes, stats) : null));
    if (plans.every((p) => p !== null && p.stage !== 'COLLSCAN')) return { stage: 'OR', plans: plans as Plan[] };
  }
  return null;
}

export function planQuery(filter: Record<string, unknown>, indexes: IndexDef[], stats?: IndexStats): Plan {
  const conds = conjuncts(filter);
  for (const [k, v] of conds) {
    if (k !== '_id') continue;
    const ids = idValues(v);
    if (ids) return { stage: 'IDHACK', ids };
  }
  return bestIndexPlan(conds, indexes, stats) ?? orPlan(conds, indexes, stats) ?? { stage: 'COLLSCAN' };
}

/** A string equality (or `$in` of strings) whose index key is the whole string (see isRangeSafe). */
function isExactStringPoint(cond: unknown): boolean {
  if (typeof cond === 'string') return isRangeSafe(cond);
  if (!isOperatorObject(cond) || Object.keys(cond).length !== 1 || !Array.isArray(cond.$in) || cond.$in.length === 0) return false;
  return cond.$in.every((v) => typeof v === 'string' && isRangeSafe(v));
}

/**
 * Whether the index scan alone answers the filter, so counting needs no documents: the filter is
 * one `$elemMatch` of string equalities on exactly the leading fields of the plan's index, every
 * one bounded to its points, and every document indexed held an array of non-arrays there. Keys
 * of one array element are made together, so a key in those intervals is an element that matches.
 */
export function isCoveredCount(filter: Record<string, unknown>, plan: Plan): plan is Extract<Plan, { stage: 'IXSCAN' }> {
  if (plan.stage !== 'IXSCAN') return false;
  const conds = conjuncts(filter);
  if (conds.length !== 1) return false;
  const [path, cond] = conds[0]!;
  if (!isOperatorObject(cond) || Object.keys(cond).length !== 1 || !isPlainObject(cond.$elemMatch)) return false;
  const sub = cond.$elemMatch as Record<string, unknown>;
  if (isOperatorObject(sub) || !Object.values(sub).every(isExactStringPoint) || !elementsRegular(plan.index, path)) return false;
  const leading = Object.keys(plan.index.key).slice(0, Object.keys(sub).length);
  if (!Object.keys(sub).every((k) => leading.includes(`${path}.${k}`))) return false;
  const points = Object.values(sub).reduce((n: number, v) => n * (typeof v === 'string' ? 1 : (v as { $in: unknown[] }).$in.length), 1);
  return plan.intervals.length === points;
}

/** The fields of a covered count's index that its `$elemMatch` leaves open (see isCoveredCount). */
export function coveredOpenFields(filter: Record<string, unknown>, plan: Extract<Plan, { stage: 'IXSCAN' }>): number {
  const [, cond] = conjuncts(filter)[0]!;
  const sub = (cond as { $elemMatch: Record<string, unknown> }).$elemMatch;
  return Object.keys(plan.index.key).length - Object.keys(sub).length;
}

/**
 * Whether every candidate the plan yields matches the filter, so none needs testing: each
 * conjunct of the filter is an `$elemMatch` that the scanned index or a probe proves.
 */
export function isDecidedByPlan(filter: Record<string, unknown>, plan: Plan): boolean {
  if (plan.stage !== 'IXSCAN' || !plan.proven) return false;
  const proven = plan.proven;
  return conjuncts(filter).every(([path, cond]) => isOperatorObject(cond) && Object.keys(cond).length === 1
    && proven.some((p) => p.path === path && p.elemMatch === cond.$elemMatch));
}

/** An id that a primary-key get finds exactly as mingo's equality matches it. */
function isExactId(v: unknown): v is string | number {
  return typeof v === 'string' || (typeof v === 'number' && !Number.isNaN(v));
}

/**
 * The ids of a filter that is only `_id` equality with strings or numbers: `{ _id: v }`,
 * `{ _id: { $eq: v } }` or `{ _id: { $in: [v, ...] } }`; null for any other filter.
 * Primary-key gets for these ids return exactly the documents the filter matches.
 */
export function exactIds(filter: Record<string, unknown>): (string | number)[] | null {
  const keys = Object.keys(filter);
  if (keys.length !== 1 || keys[0] !== '_id') return null;
  const cond = filter._id;
  if (isExactId(cond)) return [cond];
  if (!isPlainObject(cond)) return null;
  const ops = Object.keys(cond);
  if (ops.length !== 1) return null;
  if (ops[0] === '$eq') return isExactId(cond.$eq) ? [cond.$eq] : null;
  if (ops[0] === '$in' && Array.isArray(cond.$in) && cond.$in.every(isExactId)) return cond.$in;
  return null;
}

/**
 * A filter whose `_id` condition names exact ids (as `exactIds` reads it), split into those ids
 * and the rest of the filter, its other top-level conditions (empty when there are none); null
 * otherwise. Its matches are the documents at those ids that match the rest.
 */
export function exactIdsAndRest(filter: Record<string, unknown>): { ids: (string | number)[]; rest: Record<string, unknown> } | null {
  if (!Object.hasOwn(filter, '_id')) return null;
  const { _id, ...rest } = filter;
  const ids = exactIds({ _id });
  return ids ? { ids, rest } : null;
}

/** A filter that is exactly `{_id: scalar}` needs no re-check after a primary-key get. */
export function isExactIdFilter(filter: Record<string, unknown>): boolean {
  const keys = Object.keys(filter);
  return keys.length === 1 && keys[0] === '_id' && !isOperatorObject(filter._id) && isIndexableScalar(filter._id) && filter._id !== null;
}
