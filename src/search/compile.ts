/**
 * SearchRequest -> MongoDB filter and sort. Each clause becomes `$elemMatch` on the
 * entries of its parameter type, `idx.<type>` (equalities on p, c, s... plus ranges, so
 * compound `idx.<type>.*` indexes serve it), or a condition on the document's `_id` /
 * `lastUpdated` fields.
 */
import type { Filter, SortSpec } from '../store/types.js';
import type { Clause, SearchParamType, SearchRequest, SearchValue } from './types.js';
import { approximateDates, entryCondition, startsWith } from './compile-values.js';

/** The document field holding the index entries of one parameter type. */
export function entriesField(type: SearchParamType): string {
  return `idx.${type}`;
}

function elemMatch(clause: Clause, cond: Filter): Filter {
  return { [entriesField(clause.type)]: { $elemMatch: { p: clause.param, ...cond } } };
}

function anyOf(filters: Filter[]): Filter {
  return filters.length === 1 ? filters[0] : { $or: filters };
}

/** Values whose conditions are all one plain equality on the same field collapse into $in. */
function mergeEqualities(conds: Filter[]): Filter[] {
  if (conds.length < 2) return conds;
  const keys = conds.map((c) => Object.keys(c));
  const field = keys[0][0];
  const plain = keys.every((k) => k.length === 1 && k[0] === field) && conds.every((c) => typeof c[field] === 'string');
  return plain ? [{ [field]: { $in: [...new Set(conds.map((c) => c[field]))] } }] : conds;
}

function missingFilter(clause: Clause, missing: boolean): Filter {
  if (clause.param === '_id' || clause.param === '_lastUpdated') return missing ? { _id: { $exists: false } } : {};
  const field = entriesField(clause.type);
  const present = elemMatch(clause, {});
  return missing ? { [field]: { $not: present[field] } } : present;
}

function idFilter(values: SearchValue[]): Filter {
  const ids = values.flatMap((v) => (v.kind === 'token' && v.code !== undefined ? [v.code] : []));
  return ids.length === 1 ? { _id: ids[0] } : { _id: { $in: ids } };
}

/** `lastUpdated` is one instant, so the range conditions reduce to comparisons on it. */
function lastUpdatedFilter(values: SearchValue[]): Filter {
  return anyOf(values.flatMap((v): Filter[] => {
    if (v.kind !== 'date') return [];
    const [a, b] = v.prefix === 'ap' ? approximateDates(v.lo, v.hi) : [v.lo, v.hi];
    const on = (cond: Filter): Filter => ({ lastUpdated: cond });
    switch (v.prefix) {
      case 'eq': case 'ap': return [on({ $gte: a, $lte: b })];
      case 'ne': return [{ $or: [on({ $lt: a }), on({ $gt: b })] }];
      case 'gt': case 'sa': return [on({ $gt: b })];
      case 'lt': case 'eb': return [on({ $lt: a })];
      case 'ge': return [on({ $gte: a })];
      case 'le': return [on({ $lte: b })];
    }
  }));
}

/** `_text` / `_content`: each word of a value begins the word of some entry (one word per entry), so an $elemMatch per word. */
function wordsFilter(clause: Clause): Filter {
  return anyOf(clause.values.map((v) => {
    const each = (v.kind === 'words' ? v.words : []).map((word) => elemMatch(clause, { n: startsWith(word) }));
    return each.length === 1 ? each[0] : { $and: each };
  }));
}

function positiveFilter(clause: Clause): Filter {
  if (clause.param === '_id') return idFilter(clause.values);
  if (clause.param === '_lastUpdated') return lastUpdatedFilter(clause.values);
  if (clause.values[0]?.kind === 'words') return wordsFilter(clause);
  const conds = clause.values.flatMap((v): Filter[] => {
    const cond = entryCondition(v, clause.modifier);
    return cond ? [cond] : [];
  });
  return anyOf(mergeEqualities(conds).map((cond) => elemMatch(clause, cond)));
}

export function compileClause(clause: Clause): Filter {
  const first = clause.values[0];
  if (clause.modifier === 'missing' && first?.kind === 'missing') return missingFilter(clause, first.missing);
  const positive = positiveFilter(clause);
  return clause.modifier === 'not' || clause.modifier === 'not-in' ? { $nor: [positive] } : positive;
}

/** The MongoDB filter of a search (without the `deleted: false` condition, which the repository adds). */
export function compileFilter(req: SearchRequest): Filter {
  const filters = req.clauses.map(compileClause);
  if (filters.length === 0) return {};
  return filters.length === 1 ? filters[0] : { $and: filters };
}

/** Document field a parameter sorts by: `_id`, `lastUpdated`, or the stored sort key `sk.<param>`. */
export function sortField(param: string): string {
  if (param === '_id') return '_id';
  if (param === '_lastUpdated') return 'lastUpdated';
  return `sk.${param}`;
}

/** The sort of a search; `_id` is always the last key so that paging is stable. */
export function compileSort(req: SearchRequest): SortSpec {
  const spec: SortSpec = {};
  for (const { param, desc } of req.sort) {
    const field = sortField(param);
    if (!(field in spec)) spec[field] = desc ? -1 : 1;
  }
  if (!('_id' in spec)) spec._id = 1;
  return spec;
}
