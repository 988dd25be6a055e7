import { FhirError } from './errors.js';
import type { Version } from '../services/stored-document.js';

const VERSION_ETAG = /^(?:W\/)?"([1-9][0-9]{0,15})"$/;

export function etagOf(versionId: number): string {
  return `W/"${versionId}"`;
}

/** If-Match: W/"3" (or "3") -> 3; anything else is a 400. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  const match = VERSION_ETAG.exec(header.trim());
  if (!match) throw new FhirError('FHIR_ERR_IF_MATCH_INVALID', [header.slice(0, 40)]);
  return Number(match[1]);
}

/** Conditional read (http.html#cread): true when the client's copy is still current. */
export function notModified(version: Version, headers: Record<string, string | undefined>): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    return ifNoneMatch.split(',').some((tag) => VERSION_ETAG.exec(tag.trim())?.[1] === String(version.versionId));
  }
  const ifModifiedSince = headers['if-modified-since'];
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && Math.floor(version.lastUpdated.getTime() / 1000) <= Math.floor(since / 1000);
}
