/**
 * GET [base]/Patient/[id]/$everything (patient-operation-everything.html): the patient and every
 * resource in the patient's compartment, as a searchset Bundle paged with next links.
 * Parameters: _count, _since (resources changed since), _type (only these types); start/end
 * (care dates) are not supported and give a 400 rather than being silently ignored.
 * Only what the client reaches: a patient outside it is not found, other resources are left out.
 */
import { bundleJson } from '../fhir/bundle.js';
import { FhirError } from '../fhir/errors.js';
import { assertResourceType } from '../fhir/resource-types.js';
import type { FhirRequest, FhirResponse } from '../http/fhir-request.js';
import { parseCount, parseSince } from '../http/query-params.js';
import { multiTypePageLinks } from '../http/search-page-links.js';
import { resultEntry } from '../http/interactions/search.js';
import type { ServerContext } from '../http/server-context.js';
import { patientCompartmentFilter, patientCompartmentTypes } from '../search/compartments.js';
import { type TypedFilter, multiTypePage } from '../services/search/multi-type-page.js';
import { type ClientReach, filterWithinReach } from '../services/client-reach.js';
import { reachOfClient } from '../auth/token-reach.js';

const DEFAULT_COUNT = 100;
const MAX_COUNT = 1000;
const KNOWN_PARAMS = new Set(['_count', '_since', '_type', '_cursor', '_format', '_pretty', '_signed', '_signatureFormat']);

/**
 * Patient first, then the compartment's other types, or only those `_type` names. AuditEvents are
 * left out: they record who looked at the record, they are not part of it (auditors search them).
 */
function typesAsked(raw: string | null): string[] {
  const all = ['Patient', ...patientCompartmentTypes().filter((t) => t !== 'Patient' && t !== 'AuditEvent')];
  if (raw === null) return all;
  const asked = raw.split(',').map((t) => t.trim()).filter(Boolean);
  for (const type of asked) {
    assertResourceType(type);
    if (!all.includes(type)) throw new FhirError('FHIR_ERR_NOT_IN_COMPARTMENT', [type, 'Patient']);
  }
  return all.filter((t) => asked.includes(t));
}

function sources(patientId: string, types: string[], since: Date | undefined, reach: ClientReach): TypedFilter[] {
  return types.filter((type) => reach.readsType(type)).map((type) => {
    const inCompartment = patientCompartmentFilter(type, patientId)!;
    const changed = since ? [{ lastUpdated: { $gte: since } }] : [];
    return { type, filter: filterWithinReach(reach, type, [inCompartment, ...changed, { deleted: false }]) };
  });
}

export async function patientEverything(request: FhirRequest, { store, repository }: ServerContext): Promise<FhirResponse> {
  if (request.type !== 'Patient') throw new FhirError('FHIR_ERR_TYPE_OPERATION_UNKNOWN', ['$everything', request.type!.slice(0, 64)]);
  const unknown = [...request.query.keys()].filter((name) => !KNOWN_PARAMS.has(name));
  if (unknown.length > 0) throw new FhirError('FHIR_ERR_PARAM_UNKNOWN', [unknown.join(', '), 'Patient/$everything']);
  await repository.read('Patient', request.id!); // 404 or 410 for a patient that is not there
  const query = request.query;
  const count = parseCount(query.get('_count'), DEFAULT_COUNT, MAX_COUNT);
  const page = await multiTypePage(
    store, sources(request.id!, typesAsked(query.get('_type')), parseSince(query.get('_since')), reachOfClient(request.client)), count, query.get('_cursor') ?? undefined,
  );
  const entries = page.matches.map((match) => resultEntry(request.baseUrl, match, 'match', {}));
  const link = multiTypePageLinks(`${request.baseUrl}/Patient/${request.id}/$everything`, query, page);
  return { status: 200, json: bundleJson('searchset', entries, link) };
}
