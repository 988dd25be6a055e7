/** Uri index entries: u = the uri as written. */
import type { IndexEntry } from '../types.js';
import type { TypedValue } from '../expressions.js';

export function uriEntries(p: string, { value }: TypedValue): IndexEntry[] {
  return typeof value === 'string' && value.length > 0 ? [{ p, u: value }] : [];
}
