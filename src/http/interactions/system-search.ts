import { FhirError } from '../../fhir/errors.js';
import { RESOURCE_TYPES, assertResourceType } from '../../fhir/resource-types.js';
import { type RawEntry, bundleJson } from '../../fhir/bundle.js';
import { type SearchRequest, parseSearch } from '../../search/index.js';
import { resolveChains } from '../../services/search/chains.js';
import { liveFilter } from '../../services/search/live-filter.js';
import { searchWithinReach } from '../../services/search/within-reach.js';
import { reachOfClient } from '../../auth/token-reach.js';
import { type TypedFilter, countAll, multiTypePage } from '../../services/search/multi-type-page.js';
import { DEFAULT_COUNT, MAX_COUNT } from '../../services/search/run-search.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import { parsePrefer } from '../prefer.js';
import { multiTypePageLinks } from '../search-page-links.js';
import type { ServerContext } from '../server-context.js';
import { resultEntry, warningsOutcome } from './search.js';

/** Result parameters that have no meaning across several types here: refused, not ignored. */
const NOT_ACROSS_TYPES = ['_sort', '_include', '_revinclude', '_offset'];

function typesOf(raw: string | null): readonly string[] {
  if (raw === null) return RESOURCE_TYPES;
  const types = [...new Set(raw.split(',').map((t) => t.trim()).filter(Boolean))];
  for (const type of types) assertResourceType(type);
  return RESOURCE_TYPES.filter((t) => types.includes(t));
}

/** The query parsed for each type; a parameter must mean something for every one of them. */
function parseForEach(types: readonly string[], query: URLSearchParams, strict: boolean): SearchRequest[] {
  const requests = types.map((type) => parseSearch(type, query));
  const unknown = [...new Set(requests.flatMap((r) => r.unknown))];
  const ignorable = unknown.filter((name) => requests.every((r) => r.unknown.includes(name)));
  const partlyKnown = unknown.filter((name) => !ignorable.includes(name));
  if (partlyKnown.length > 0) {
    throw new FhirError('FHIR_ERR_PARAM_INVALID', [partlyKnown.join(', '), 'a system-level search may use only parameters every searched type has; narrow _type']);
  }
  const searched = types.length === RESOURCE_TYPES.length ? 'every type' : types.join(', ');
  if (strict && unknown.length > 0) throw new FhirError('FHIR_ERR_PARAM_UNKNOWN', [unknown.join(', '), searched]);
  return requests;
}

/**
 * GET [base]?params and POST [base]/_search — search.html#all: every type, or those in _type,
 * with parameters common to them all; matches type by type, each type's by id, keyset-paged;
 * only what the client reaches.
 */
export async function systemSearch(request: FhirRequest, { store }: ServerContext): Promise<FhirResponse> {
  const query = new URLSearchParams(request.query);
  const refused = NOT_ACROSS_TYPES.filter((name) => [...query.keys()].some((key) => key.split(':')[0] === name));
  if (refused.length > 0) throw new FhirError('FHIR_ERR_PARAM_INVALID', [refused.join(', '), 'not supported in a system-level search']);
  const reach = reachOfClient(request.client);
  const types = typesOf(query.get('_type')).filter((type) => reach.readsType(type));
  query.delete('_type');
  const requests = parseForEach(types, query, parsePrefer(request.headers.prefer).handling === 'strict');
  const sources: TypedFilter[] = [];
  for (const req of requests) sources.push({ type: req.type, filter: liveFilter(await resolveChains(store, searchWithinReach(req, reach))) });
  const first = requests[0]!;
  const total = first.summary === 'count' || first.total === 'accurate' ? await countAll(store, sources) : undefined;
  const count = first.summary === 'count' ? 0 : Math.min(first.count ?? DEFAULT_COUNT, MAX_COUNT);
  const page = await multiTypePage(store, sources, count, first.cursor);
  const subset = { summary: first.summary, elements: first.elements };
  const entries: RawEntry[] = page.matches.map((match) => resultEntry(request.baseUrl, match, 'match', subset));
  const warnings = warningsOutcome(first, undefined);
  if (warnings) entries.push({ entry: { search: { mode: 'outcome' } }, resourceJson: JSON.stringify(warnings) });
  const link = multiTypePageLinks(request.baseUrl, request.query, page);
  return { status: 200, json: bundleJson('searchset', entries, link, total) };
}
