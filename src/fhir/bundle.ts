import type { Bundle, BundleEntry, BundleLink, Resource } from 'fhir/r4.js';
import type { Version } from '../services/stored-document.js';

export function resourceUrl(baseUrl: string, type: string, id: string): string {
  return `${baseUrl}/${type}/${id}`;
}

export function versionUrl(baseUrl: string, version: Version): string {
  return `${resourceUrl(baseUrl, version.type, version.id)}/_history/${version.versionId}`;
}

const STATUS_OF_METHOD = { POST: '201 Created', PUT: '200 OK', PATCH: '200 OK', DELETE: '204 No Content' } as const;

/** A history entry (http.html#history): the version with the request that made it. */
export function historyEntry(baseUrl: string, version: Version): BundleEntry<Resource> {
  const method = version.method ?? (version.deleted ? 'DELETE' : 'PUT');
  const entry: BundleEntry<Resource> = {
    fullUrl: resourceUrl(baseUrl, version.type, version.id),
    request: { method, url: method === 'POST' ? version.type : `${version.type}/${version.id}` },
    response: {
      status: method === 'PUT' && version.versionId === 1 ? '201 Created' : STATUS_OF_METHOD[method],
      etag: `W/"${version.versionId}"`,
      lastModified: version.lastUpdated.toISOString(),
    },
  };
  if (version.resource) entry.resource = version.resource;
  return entry;
}

export function bundle(type: Bundle["type"], entry: BundleEntry<Resource>[], link: BundleLink[], total?: number): Bundle<Resource> {
  const result: Bundle<Resource> = { resourceType: 'Bundle', type, timestamp: new Date().toISOString() };
  if (total !== undefined) result.total = total;
  result.link = link;
  result.entry = entry;
  return result;
}
