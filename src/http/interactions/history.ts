import type { BundleLink } from 'fhir/r4.js';
import { bundleJson, historyEntry } from '../../fhir/bundle.js';
import { FhirError } from '../../fhir/errors.js';
import { assertValidId } from '../../fhir/ids.js';
import { assertResourceType } from '../../fhir/resource-types.js';
import type { HistoryPosition, HistoryQuery } from '../../services/history.js';
import { reachedHistoryPage } from '../../services/reached-history.js';
import { reachOfClient } from '../../auth/token-reach.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import { parseCount, parseSince } from '../query-params.js';
import type { ServerContext } from '../server-context.js';

const DEFAULT_COUNT = 50;
const MAX_COUNT = 1000;
function encodeCursor(position: HistoryPosition): string {
  return Buffer.from(JSON.stringify([position.lastUpdated.toISOString(), position.key])).toString('base64url');
}

function decodeCursor(raw: string | null): HistoryPosition | undefined {
  if (raw === null) return undefined;
  try {
    const [iso, key] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    const lastUpdated = new Date(String(iso));
    if (typeof key !== 'string' || Number.isNaN(lastUpdated.getTime())) throw new Error('shape');
    return { lastUpdated, key };
  } catch {
    throw new FhirError('FHIR_ERR_PARAM_INVALID', ['_cursor', 'not a cursor this server issued']);
  }
}

function historyPath(request: FhirRequest): string {
  return [request.baseUrl, request.type, request.id, '_history'].filter(Boolean).join('/');
}

function pageUrl(request: FhirRequest, query: HistoryQuery, cursor?: string): string {
  const params = new URLSearchParams();
  if (query.since) params.set('_since', query.since.toISOString());
  params.set('_count', String(query.count));
  if (cursor) params.set('_cursor', cursor);
  return `${historyPath(request)}?${params}`;
}

/**
 * GET [base]/_history, [base]/[type]/_history, [base]/[type]/[id]/_history — http.html#history.
 * The history of a resource never stored, or outside the client's reach, is a 404; the others list
 * only the versions the client reaches.
 */
export async function history(request: FhirRequest, { store, repository }: ServerContext): Promise<FhirResponse> {
  if (request.type) assertResourceType(request.type);
  if (request.id) {
    assertValidId(request.id);
    await repository.assertKnown(request.type!, request.id);
  }
  const query: HistoryQuery = {
    since: parseSince(request.query.get('_since')),
    count: parseCount(request.query.get('_count'), DEFAULT_COUNT, MAX_COUNT),
    after: decodeCursor(request.query.get('_cursor')),
  };
  const page = await reachedHistoryPage(store, { type: request.type, id: request.id }, query, reachOfClient(request.client));
  const current = request.query.get('_cursor') ?? undefined;
  const link: BundleLink[] = [{ relation: 'self', url: pageUrl(request, query, current) }];
  if (page.next) link.push({ relation: 'next', url: pageUrl(request, query, encodeCursor(page.next)) });
  const entries = page.versions.map((version) => historyEntry(request.baseUrl, version));
  return { status: 200, json: bundleJson('history', entries, link) };
}
