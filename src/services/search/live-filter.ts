import { type Clause, type SearchRequest, compileFilter } from '../../search/index.js';
import type { Filter } from '../../store/types.js';

const NEGATIVE_MODIFIERS = new Set(['missing', 'not', 'not-in']);

/**
 * A clause only documents with index entries can match: a deleted resource (a tombstone, whose
 * `idx` is empty) never does, so the clause alone keeps the search to live resources.
 */
function needsIndexEntries(clause: Clause): boolean {
  return clause.param !== '_id' && clause.param !== '_lastUpdated' && !NEGATIVE_MODIFIERS.has(clause.modifier ?? '');
}

/**
 * The filter of a search (its chains already resolved) over live resources. `deleted: false` is
 * left out when a clause already implies it, so that the filter stays one index's condition
 * (which lets the embedded engine count matches from index entries alone).
 */
export function liveFilter(req: SearchRequest): Filter {
  const live = req.clauses.some(needsIndexEntries) ? [] : [{ deleted: false }];
  const parts = [compileFilter(req), ...(req.within ? [req.within] : []), ...live];
  return parts.length === 1 ? parts[0]! : { $and: parts };
}
