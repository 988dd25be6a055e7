import { readFileSync } from 'node:fs';
import type { OperationDefinition, Parameters } from 'fhir/r4.js';
import { assertResourceType, RESOURCE_TYPES } from '../../fhir/resource-types.js';
import { reindexTypes } from '../../services/reindex.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import type { ServerContext } from '../server-context.js';

const definition = JSON.parse(
  readFileSync(new URL('../../../conformance/operation-definitions/reindex.json', import.meta.url), 'utf8'),
) as OperationDefinition;

/** How the CapabilityStatement declares the operation (system and every type). */
export const REINDEX_OPERATION = { name: definition.code, definition: definition.url! };

/**
 * POST [base]/$reindex and POST [base]/[type]/$reindex: the search index of every current
 * resource (of the type) recomputed with the parameters in force now (services/reindex.ts).
 */
export async function reindex(request: FhirRequest, { store }: ServerContext): Promise<FhirResponse> {
  if (request.type !== undefined) assertResourceType(request.type);
  const count = await reindexTypes(store, request.type === undefined ? RESOURCE_TYPES : [request.type]);
  const body: Parameters = { resourceType: 'Parameters', parameter: [{ name: 'reindexed', valueInteger: count }] };
  return { status: 200, body };
}
