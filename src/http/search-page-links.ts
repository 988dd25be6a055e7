/** The self, next and previous links of a searchset page (search.html#paging). */
import type { BundleLink } from 'fhir/r4.js';
import type { SearchRequest } from '../search/index.js';
import type { SearchResult } from '../services/search/run-search.js';
import type { FhirRequest } from './fhir-request.js';

/** The search's own URL without the parameters it ignored, for one page (a cursor) or as asked. */
function pageUrl(request: FhirRequest, search: SearchRequest, path: string, count: number, cursor?: string): string {
  const params = new URLSearchParams(request.query);
  for (const unknown of search.unknown) params.delete(unknown);
  params.set('_count', String(count));
  if (cursor !== undefined) {
    params.delete('_offset');
    params.set('_cursor', cursor);
  }
  return `${request.baseUrl}/${path}?${params}`;
}

/** `path` is the search's URL below the base: `Observation`, `Patient/123/Observation`... */
export function searchPageLinks(request: FhirRequest, search: SearchRequest, result: SearchResult, path: string): BundleLink[] {
  const link: BundleLink[] = [{ relation: 'self', url: pageUrl(request, search, path, result.count) }];
  if (result.next) link.push({ relation: 'next', url: pageUrl(request, search, path, result.count, result.next) });
  if (result.previous) link.push({ relation: 'previous', url: pageUrl(request, search, path, result.count, result.previous) });
  return link;
}

/** Self, next and previous links of a page of several types (multi-type-page.ts): `url` is the search without its query. */
export function multiTypePageLinks(url: string, query: URLSearchParams, page: { next?: string; previous?: string }): BundleLink[] {
  const link: BundleLink[] = [{ relation: 'self', url: query.size > 0 ? `${url}?${query}` : url }];
  const withCursor = (cursor: string) => {
    const params = new URLSearchParams(query);
    params.set('_cursor', cursor);
    return `${url}?${params}`;
  };
  if (page.next !== undefined) link.push({ relation: 'next', url: withCursor(page.next) });
  if (page.previous !== undefined) link.push({ relation: 'previous', url: withCursor(page.previous) });
  return link;
}
