/**
 * Paging through matches of several resource types at once (Patient/$everything, system-level
 * search): types in a fixed order, each type's matches by id. A page's cursor is the type and
 * id of its last match, so, as with keyset paging of one type, writes between pages neither
 * skip nor repeat what existed.
 */
import { type CursorDirection, cursorJson, invalidCursor } from '../../search/cursor.js';
import type { Filter, Store } from '../../store/types.js';
import type { CurrentDocument } from '../stored-document.js';
import type { Included } from './includes.js';

/** The live matches of one type: the filter leaves deleted resources out (see live-filter.ts). */
export interface TypedFilter {
  type: string;
  filter: Filter;
}

export interface MultiTypePage {
  matches: Included[];
  /** The cursors of the pages after and before this one, when there are such matches. */
  next?: string;
  previous?: string;
}

/** A page's boundary: the type and id of its last match (next) or first (previous). */
function encode(type: string, id: string, direction: CursorDirection): string {
  return Buffer.from(JSON.stringify(direction === 'next' ? [type, id] : [type, id, direction])).toString('base64url');
}

/** The source index, id and direction a page continues from; anything else is a 400. */
function decode(cursor: string, sources: TypedFilter[]): { from: number; id: string; backwards: boolean } {
  const parsed = cursorJson(cursor);
  const valid = Array.isArray(parsed) && (parsed.length === 2 || (parsed.length === 3 && parsed[2] === 'previous'))
    && parsed.every((v) => typeof v === 'string');
  if (!valid) throw invalidCursor();
  const from = sources.findIndex((s) => s.type === parsed[0]);
  if (from < 0) throw invalidCursor();
  return { from, id: parsed[1] as string, backwards: parsed.length === 3 };
}

/**
 * One page: forwards after a cursor's match (types in order, ids ascending), or backwards
 * before it (types in reverse, ids descending, then reversed), one match more than the page to
 * know whether more follow.
 */
export async function multiTypePage(store: Store, sources: TypedFilter[], count: number, cursor?: string): Promise<MultiTypePage> {
  const start = cursor === undefined ? undefined : decode(cursor, sources);
  const backwards = start?.backwards ?? false;
  const step = backwards ? -1 : 1;
  const found: Included[] = [];
  for (let i = start?.from ?? 0; i >= 0 && i < sources.length && found.length <= count; i += step) {
    const { type, filter } = sources[i]!;
    const beyond = start && i === start.from ? [{ _id: { [backwards ? '$lt' : '$gt']: start.id } }] : [];
    const docs = await store.collection<CurrentDocument>(type)
      .find(beyond.length > 0 ? { $and: [filter, ...beyond] } : filter, { sort: { _id: step }, limit: count + 1 - found.length })
      .toArray();
    for (const doc of docs) found.push({ type, doc });
  }
  const more = found.length > count;
  const matches = found.slice(0, count);
  if (backwards) matches.reverse();
  const boundary = (match: Included | undefined, direction: CursorDirection) => match && encode(match.type, match.doc._id, direction);
  return {
    matches,
    next: backwards || more ? boundary(matches.at(-1), 'next') : undefined,
    previous: (backwards ? more : start !== undefined) ? boundary(matches[0], 'previous') : undefined,
  };
}

/** How many live matches all the sources have together. */
export async function countAll(store: Store, sources: TypedFilter[]): Promise<number> {
  const counts = await Promise.all(sources.map(({ type, filter }) => store.collection(type).countDocuments(filter)));
  return counts.reduce((sum, n) => sum + n, 0);
}
