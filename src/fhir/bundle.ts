import type { Bundle, BundleEntry, BundleLink } from 'fhir/r4.js';
import type { Version } from '../services/stored-document.js';

export function resourceUrl(baseUrl: string, type: string, id: string): string {
  return `${baseUrl}/${type}/${id}`;
}

export function versionUrl(baseUrl: string, version: Version): string {
  return `${resourceUrl(baseUrl, version.type, version.id)}/_history/${version.versionId}`;
}

/** A Bundle entry whose resource is already JSON text, spliced in when the Bundle is serialised. */
export interface RawEntry {
  entry: BundleEntry;
  resourceJson?: string;
}

const STATUS_OF_METHOD = { POST: '201 Created', PUT: '200 OK', PATCH: '200 OK', DELETE: '204 No Content' } as const;

/** A history entry (http.html#history): the version with the request that made it. */
export function historyEntry(baseUrl: string, version: Version): RawEntry {
  const method = version.method ?? (version.deleted ? 'DELETE' : 'PUT');
  const entry: BundleEntry = {
    fullUrl: resourceUrl(baseUrl, version.type, version.id),
    request: { method, url: method === 'POST' ? version.type : `${version.type}/${version.id}` },
    response: {
      status: method === 'PUT' && version.versionId === 1 ? '201 Created' : STATUS_OF_METHOD[method],
      etag: `W/"${version.versionId}"`,
      lastModified: version.lastUpdated.toISOString(),
    },
  };
  return { entry, resourceJson: version.json ?? undefined };
}

function entryJson({ entry, resourceJson }: RawEntry): string {
  const json = JSON.stringify(entry);
  if (resourceJson === undefined) return json;
  return json === '{}' ? `{"resource":${resourceJson}}` : `${json.slice(0, -1)},"resource":${resourceJson}}`;
}

/**
 * A Bundle as JSON text. Stored resources are spliced in as they are, so a page of
 * results is never parsed and serialised again.
 */
export function bundleJson(type: Bundle['type'], entries: RawEntry[], link: BundleLink[], total?: number): string {
  const head: Bundle = { resourceType: 'Bundle', type, timestamp: new Date().toISOString() };
  if (total !== undefined) head.total = total;
  if (link.length > 0) head.link = link;
  // FHIR JSON has no empty arrays: a Bundle without entries has no `entry`
  if (entries.length === 0) return JSON.stringify(head);
  return `${JSON.stringify(head).slice(0, -1)},"entry":[${entries.map(entryJson).join(',')}]}`;
}
