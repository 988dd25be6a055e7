import { type SearchRequest, compileFilter } from '../../search/index.js';
import type { Filter } from '../../store/types.js';

/** The filter of a search (its chains already resolved) over live resources: deleted ones are tombstones. */
export function liveFilter(req: SearchRequest): Filter {
  return { $and: [compileFilter(req), ...(req.within ? [req.within] : []), { deleted: false }] };
}
