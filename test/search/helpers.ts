/** Test helpers: stored documents built with the real extractor, queries run with mingo. */
import { Query } from 'mingo';
import { compileFilter, compileSort, extractSearchIndex, parseSearch } from '../../src/search/index.js';
import type { Filter } from '../../src/store/types.js';

export interface TestDoc {
  _id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  resource: { resourceType: string; id?: string };
  idx: unknown;
  sk: Record<string, unknown>;
  [key: string]: unknown;
}

export function toDoc<R extends { resourceType: string; id?: string }>(resource: R, lastUpdated = new Date('2024-01-01T00:00:00Z')): TestDoc {
  const { idx, sk } = extractSearchIndex(resource, { strict: true });
  return { _id: resource.id ?? '', versionId: 1, lastUpdated, deleted: false, resource, idx, sk };
}

export function filterFor(type: string, query: string): Filter {
  return compileFilter(parseSearch(type, new URLSearchParams(query)));
}

/** Ids of the documents the query matches, sorted. */
export function matchIds(docs: TestDoc[], type: string, query: string): string[] {
  return new Query(filterFor(type, query)).find<TestDoc>(docs).all().map((d) => d._id).sort();
}

/** Ids in the order the query's _sort gives. */
export function sortedIds(docs: TestDoc[], type: string, query: string): string[] {
  const req = parseSearch(type, new URLSearchParams(query));
  return new Query(compileFilter(req)).find<TestDoc>(docs).sort(compileSort(req)).all().map((d) => d._id);
}
