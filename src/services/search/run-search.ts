/**
 * Runs a parsed search against the store: the matches of one page, the total when asked
 * for, and whether more matches follow. The HTTP layer turns the result into a Bundle.
 */
import { type CursorDirection, decodeCursor, encodeCursor, keysetFilter, reverseSort, sortValues } from '../../search/cursor.js';
import { type SearchRequest, compileSort } from '../../search/index.js';
import type { Collection, Filter, SortSpec, Store } from '../../store/types.js';
import type { CurrentDocument } from '../stored-document.js';
import { resolveChains } from './chains.js';
import { liveFilter } from './live-filter.js';

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;

export interface SearchResult {
  /** The matches on this page, in sort order. */
  matches: CurrentDocument[];
  /** All matches, when _total asks for it (absent for _total=none). */
  total?: number;
  /** Cursors of the pages after and before this one, when there are such matches. */
  next?: string;
  previous?: string;
  count: number;
}

interface Page {
  matches: CurrentDocument[];
  next?: string;
  previous?: string;
  /** Whether this page holds every match (the first page, nothing after it). */
  complete: boolean;
}

/** Matches read without their index entries (their sort keys stay: cursors are made of them). */
const WITHOUT_ENTRIES = { idx: 0 } as const;

/** One page of matches in `sort` order, after or before a cursor's boundary when there is one. */
async function findPage(collection: Collection<CurrentDocument>, filter: Filter, sort: SortSpec, req: SearchRequest, count: number, entries: boolean): Promise<Page> {
  const cursor = req.cursor === undefined ? undefined : decodeCursor(req.cursor, sort);
  const backwards = cursor?.direction === 'previous';
  const pageSort = backwards ? reverseSort(sort) : sort;
  const pageFilter = cursor ? { $and: [filter, keysetFilter(pageSort, cursor.values)] } : filter;
  const offset = req.offset ?? 0;
  const projection = entries ? undefined : WITHOUT_ENTRIES;
  const docs = await collection.find(pageFilter, { sort: pageSort, skip: offset, limit: count + 1, projection }).toArray();
  const more = docs.length > count;
  const matches = docs.slice(0, count);
  if (backwards) matches.reverse();
  const boundary = (doc: CurrentDocument | undefined, direction: CursorDirection) =>
    doc && encodeCursor({ direction, values: sortValues(doc, sort) });
  const hasNext = backwards ? matches.length > 0 : more;
  const hasPrevious = backwards ? more : cursor !== undefined || offset > 0;
  return {
    matches,
    next: hasNext ? boundary(matches.at(-1), 'next') : undefined,
    previous: hasPrevious ? boundary(matches[0], 'previous') : undefined,
    complete: !cursor && offset === 0 && !more,
  };
}

/** `entries`: whether the matches keep their index entries (_include follows their references). */
export async function runSearch(store: Store, parsed: SearchRequest, { entries }: { entries: boolean }): Promise<SearchResult> {
  const req = await resolveChains(store, parsed);
  const count = Math.min(req.count ?? DEFAULT_COUNT, MAX_COUNT);
  const filter = liveFilter(req);
  const collection = store.collection<CurrentDocument>(req.type);
  const countAll = () => collection.countDocuments(filter);
  if (req.summary === 'count') return { matches: [], total: await countAll(), count };
  const { complete, ...page } = await findPage(collection, filter, compileSort(req), req, count, entries);
  // a first page holding every match has counted them already
  const total = req.total === 'none' ? undefined : complete ? page.matches.length : await countAll();
  return { ...page, total, count };
}
