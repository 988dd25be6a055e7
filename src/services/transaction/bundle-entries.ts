/**
 * The entries of a batch or transaction Bundle, checked and put in a shape to run:
 * method, the url below the server's base split into path and query, the resource,
 * and the entry's preconditions (http.html#transaction, bundle.html#request).
 */
import type { Resource } from 'fhir/r4.js';
import { FhirError, entryError } from '../../fhir/errors.js';
import { assertNoOperatorKeys } from '../../fhir/resource-body.js';

export type EntryMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const METHODS = new Set<string>(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

export interface BundleRequestEntry {
  /** Position in Bundle.entry: responses keep it, errors name it. */
  index: number;
  fullUrl?: string;
  method: EntryMethod;
  /** The url's path below the base, without leading or trailing slashes: `Patient`, `Patient/123`. */
  path: string;
  /** The url's query without `?` (empty when none). */
  query: string;
  resource?: Resource;
  ifMatch?: string;
  ifNoneMatch?: string;
  ifNoneExist?: string;
  ifModifiedSince?: string;
}

export interface ProcessableBundle {
  type: 'batch' | 'transaction';
  /** Each entry, or the error that makes it unprocessable (a batch answers that entry alone with it). */
  entries: (BundleRequestEntry | FhirError)[];
}

function text(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new FhirError('FHIR_ERR_ENTRY_INVALID', [`${what} must be a string`]);
  return value;
}

/** The request url made relative to this server's base; an absolute url of another server is refused. */
function relativeUrl(url: string, baseUrl: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    if (!url.startsWith(`${baseUrl}/`) && !url.startsWith(`${baseUrl}?`)) {
      throw new FhirError('FHIR_ERR_ENTRY_INVALID', [`request.url ${url.slice(0, 200)} is not on this server (${baseUrl})`]);
    }
    return url.slice(baseUrl.length);
  }
  return url;
}

function splitUrl(url: string): { path: string; query: string } {
  const queryStart = url.indexOf('?');
  const path = (queryStart < 0 ? url : url.slice(0, queryStart)).replace(/^\/+|\/+$/g, '');
  return { path, query: queryStart < 0 ? '' : url.slice(queryStart + 1) };
}

function resourceOfEntry(raw: Record<string, unknown>): Resource | undefined {
  const resource = raw.resource;
  if (resource === undefined) return undefined;
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    throw new FhirError('FHIR_ERR_ENTRY_INVALID', ['resource must be a FHIR resource']);
  }
  return resource as Resource;
}

function parseEntry(raw: unknown, index: number, baseUrl: string): BundleRequestEntry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FhirError('FHIR_ERR_ENTRY_INVALID', ['an entry must be an object']);
  const entry = raw as Record<string, unknown>;
  const request = entry.request as Record<string, unknown> | undefined;
  if (typeof request !== 'object' || request === null) throw new FhirError('FHIR_ERR_ENTRY_INVALID', ['request (method and url) is missing']);
  assertNoOperatorKeys(request);
  const method = text(request.method, 'request.method');
  if (!method || !METHODS.has(method)) throw new FhirError('FHIR_ERR_ENTRY_INVALID', [`request.method must be one of ${[...METHODS].join(', ')}`]);
  const url = text(request.url, 'request.url');
  if (!url) throw new FhirError('FHIR_ERR_ENTRY_INVALID', ['request.url is missing']);
  const resource = resourceOfEntry(entry);
  if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && !resource) {
    throw new FhirError('FHIR_ERR_ENTRY_INVALID', [`a ${method} entry needs a resource`]);
  }
  return {
    index,
    fullUrl: text(entry.fullUrl, 'fullUrl'),
    method: method as EntryMethod,
    ...splitUrl(relativeUrl(url, baseUrl)),
    resource,
    ifMatch: text(request.ifMatch, 'request.ifMatch'),
    ifNoneMatch: text(request.ifNoneMatch, 'request.ifNoneMatch'),
    ifNoneExist: text(request.ifNoneExist, 'request.ifNoneExist'),
    ifModifiedSince: text(request.ifModifiedSince, 'request.ifModifiedSince'),
  };
}

function fullUrlOf(raw: unknown): string | undefined {
  const fullUrl = (raw as { fullUrl?: unknown } | null)?.fullUrl;
  return typeof fullUrl === 'string' ? fullUrl : undefined;
}

/** bdl-7: a fullUrl names one entry (versions of one resource aside, which a batch or transaction never carries). */
function duplicateFullUrlError(entries: unknown[], index: number, seen: Map<string, number>): FhirError | undefined {
  const fullUrl = fullUrlOf(entries[index]);
  if (fullUrl === undefined) return undefined;
  const first = seen.get(fullUrl);
  if (first === undefined) {
    seen.set(fullUrl, index);
    return undefined;
  }
  return new FhirError('FHIR_ERR_FULLURL_DUPLICATE', [fullUrl.slice(0, 200), first]);
}

function checkedEntry(entries: unknown[], index: number, baseUrl: string, seen: Map<string, number>): BundleRequestEntry | FhirError {
  try {
    const duplicate = duplicateFullUrlError(entries, index, seen);
    if (duplicate) throw duplicate;
    return parseEntry(entries[index], index, baseUrl);
  } catch (err) {
    if (err instanceof FhirError) return entryError(err, index, fullUrlOf(entries[index]));
    throw err;
  }
}

/** A batch or transaction Bundle's entries; any other body is a 400 (another Bundle type names where it goes). */
export function processableBundle(body: unknown, baseUrl: string): ProcessableBundle {
  const bundle = body as { resourceType?: unknown; type?: unknown; entry?: unknown } | null;
  if (typeof bundle !== 'object' || bundle === null || bundle.resourceType !== 'Bundle') {
    throw new FhirError('FHIR_ERR_ENTRY_INVALID', ['POST [base] takes a Bundle of type batch or transaction']);
  }
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    throw new FhirError('FHIR_ERR_BUNDLE_TYPE_NOT_PROCESSABLE', [String(bundle.type).slice(0, 40)]);
  }
  const entries = bundle.entry ?? [];
  if (!Array.isArray(entries)) throw new FhirError('FHIR_ERR_ENTRY_INVALID', ['Bundle.entry must be an array']);
  const seen = new Map<string, number>();
  return { type: bundle.type, entries: entries.map((_, index) => checkedEntry(entries, index, baseUrl, seen)) };
}
