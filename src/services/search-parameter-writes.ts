/**
 * What a write of a SearchParameter resource must do besides storing it, in its transaction:
 * refuse a definition this server cannot search with, one that redefines a built-in parameter,
 * or one whose code another SearchParameter in force already has on the same type (400);
 * and move the search parameters' marker, so every process reloads the definitions
 * (search-parameter-registry.ts).
 */
import type { Resource, SearchParameter } from 'fhir/r4.js';
import { FhirError } from '../fhir/errors.js';
import { addedDefinitionProblem, builtInBase } from '../search/search-parameters.js';
import type { Session, Store } from '../store/types.js';
import { inForce, markSearchParametersChanged, searchParametersInForce } from './search-parameter-registry.js';

async function checkDefinition(store: Store, session: Session, id: string, sp: SearchParameter): Promise<void> {
  const label = `SearchParameter/${id}`;
  const problem = addedDefinitionProblem(sp);
  if (problem) throw new FhirError('FHIR_ERR_SEARCH_PARAMETER_INVALID', [label, problem.reason], [`SearchParameter.${problem.element}`]);
  if (!inForce(sp)) return;
  const builtIn = builtInBase(sp);
  if (builtIn) throw new FhirError('FHIR_ERR_SEARCH_PARAMETER_BUILT_IN', [sp.code, builtIn], ['SearchParameter.code']);
  // Read in the transaction: two concurrent writes of the same code cannot both pass.
  for (const other of await searchParametersInForce(store, session)) {
    const shared = other.code === sp.code && other.id !== id ? sp.base.find((b) => other.base.includes(b)) : undefined;
    if (shared) throw new FhirError('FHIR_ERR_SEARCH_PARAMETER_DUPLICATE', [sp.code, shared, other.id], ['SearchParameter.code']);
  }
}

/** Call inside the transaction writing SearchParameter/`id`; `resource` null for a delete. */
export async function prepareSearchParameterWrite(store: Store, session: Session, id: string, resource: Resource | null): Promise<void> {
  if (resource) await checkDefinition(store, session, id, resource as SearchParameter);
  await markSearchParametersChanged(store, session);
}
