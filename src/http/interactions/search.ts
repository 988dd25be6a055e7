import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';
import { type RawEntry, bundleJson, resourceUrl } from '../../fhir/bundle.js';
import { FhirError } from '../../fhir/errors.js';
import { outcomeOf } from '../../fhir/operation-outcome.js';
import { assertResourceType } from '../../fhir/resource-types.js';
import { type SubsetRequest, isSubsetting, subsetResource } from '../../fhir/subset.js';
import { type SearchRequest, parseSearch } from '../../search/index.js';
import { parseIncludes } from '../../search/includes.js';
import { type Included, resolveIncludes } from '../../services/search/includes.js';
import { runSearch } from '../../services/search/run-search.js';
import { searchWithinReach } from '../../services/search/within-reach.js';
import { reachOfClient } from '../../auth/token-reach.js';
import { type CurrentDocument, resourceOf } from '../../services/stored-document.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import { parsePrefer } from '../prefer.js';
import { searchPageLinks } from '../search-page-links.js';
import type { ServerContext } from '../server-context.js';
import type { Store } from '../../store/types.js';

/** The stored JSON as it is, or reshaped when _summary/_elements ask for it. */
function matchJson(doc: CurrentDocument, subset: SubsetRequest): string {
  return isSubsetting(subset) ? JSON.stringify(subsetResource(resourceOf(doc), subset)) : doc.json!;
}

/** A searchset entry: a match or an included resource (search.html#include), shaped by _summary/_elements. */
export function resultEntry(baseUrl: string, { type, doc }: Included, mode: 'match' | 'include', subset: SubsetRequest): RawEntry {
  return { entry: { fullUrl: resourceUrl(baseUrl, type, doc._id), search: { mode } }, resourceJson: matchJson(doc, subset) };
}

/** Warnings for the client: unknown parameters that were ignored, included resources a bound left out. */
export function warningsOutcome(search: SearchRequest, includeCut: string | undefined): OperationOutcome | undefined {
  const issues: OperationOutcomeIssue[] = [];
  if (search.unknown.length > 0) {
    issues.push({
      severity: 'warning', code: 'not-supported',
      diagnostics: `Ignored unknown or unsupported search parameters: ${search.unknown.join(', ')}`,
    });
  }
  if (includeCut) issues.push({ severity: 'warning', code: 'too-costly', diagnostics: includeCut });
  return issues.length > 0 ? outcomeOf(issues) : undefined;
}

/** The parsed query of a search on `type`; unknown parameters are a 400 only with Prefer: handling=strict. */
export function parseSearchRequest(request: FhirRequest, type: string): SearchRequest {
  assertResourceType(type);
  const searchRequest = parseSearch(type, request.query);
  if (searchRequest.unknown.length > 0 && parsePrefer(request.headers.prefer).handling === 'strict') {
    throw new FhirError('FHIR_ERR_PARAM_UNKNOWN', [searchRequest.unknown.join(', '), type]);
  }
  return searchRequest;
}

/**
 * The searchset Bundle of a parsed search: a page of matches, then what _include/_revinclude
 * add (search.html#include), then warnings. `path` is the search's URL below the base.
 * Matches, total and includes are only what the client reaches.
 */
export async function searchset(request: FhirRequest, store: Store, searchRequest: SearchRequest, path: string): Promise<FhirResponse> {
  const reach = reachOfClient(request.client);
  const includes = parseIncludes(searchRequest);
  const page = await runSearch(store, searchWithinReach(searchRequest, reach), { entries: includes.some((d) => !d.reverse) });
  const { matches, total } = page;
  const { included, cut } = await resolveIncludes(store, request.baseUrl, searchRequest.type, matches, includes, reach);
  const subset: SubsetRequest = { summary: searchRequest.summary, elements: searchRequest.elements };
  const entries: RawEntry[] = [
    ...matches.map((doc) => resultEntry(request.baseUrl, { type: searchRequest.type, doc }, 'match', subset)),
    ...included.map((item) => resultEntry(request.baseUrl, item, 'include', subset)),
  ];
  const warnings = warningsOutcome(searchRequest, cut);
  if (warnings) entries.push({ entry: { search: { mode: 'outcome' } }, resourceJson: JSON.stringify(warnings) });
  return { status: 200, json: bundleJson('searchset', entries, searchPageLinks(request, searchRequest, page, path), total) };
}

/** GET [base]/[type]?params and POST [base]/[type]/_search — search.html. */
export async function search(request: FhirRequest, { store }: ServerContext): Promise<FhirResponse> {
  return searchset(request, store, parseSearchRequest(request, request.type!), request.type!);
}
