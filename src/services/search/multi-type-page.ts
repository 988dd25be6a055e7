/**
 * Paging through matches of several resource types at once (Patient/$everything, system-level
 * search): types in a fixed order, each type's matches by id. A page's cursor is the type and
 * id of its last match, so, as with keyset paging of one type, writes between pages neither
 * skip nor repeat what existed.
 */
import { cursorJson, invalidCursor } from '../../search/cursor.js';
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
  /** The cursor of the next page, when there are more matches. */
  next?: string;
}

function encode(type: string, id: string): string {
  return Buffer.from(JSON.stringify([type, id])).toString('base64url');
}

/** The source index and id a page continues after; anything else is a 400. */
function decode(cursor: string, sources: TypedFilter[]): { from: number; afterId: string } {
  const parsed = cursorJson(cursor);
  if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((v) => typeof v === 'string')) throw invalidCursor();
  const from = sources.findIndex((s) => s.type === parsed[0]);
  if (from < 0) throw invalidCursor();
  return { from, afterId: parsed[1] as string };
}

export async function multiTypePage(store: Store, sources: TypedFilter[], count: number, cursor?: string): Promise<MultiTypePage> {
  const start = cursor === undefined ? { from: 0, afterId: undefined } : decode(cursor, sources);
  const found: Included[] = [];
  for (let i = start.from; i < sources.length && found.length <= count; i++) {
    const { type, filter } = sources[i]!;
    const after = i === start.from && start.afterId !== undefined ? [{ _id: { $gt: start.afterId } }] : [];
    const docs = await store.collection<CurrentDocument>(type)
      .find(after.length > 0 ? { $and: [filter, ...after] } : filter, { sort: { _id: 1 }, limit: count + 1 - found.length })
      .toArray();
    for (const doc of docs) found.push({ type, doc });
  }
  const matches = found.slice(0, count);
  const last = matches.at(-1);
  return { matches, next: found.length > count && last ? encode(last.type, last.doc._id) : undefined };
}

/** How many live matches all the sources have together. */
export async function countAll(store: Store, sources: TypedFilter[]): Promise<number> {
  const counts = await Promise.all(sources.map(({ type, filter }) => store.collection(type).countDocuments(filter)));
  return counts.reduce((sum, n) => sum + n, 0);
}
