import { reachOfClient } from '../auth/token-reach.js';
import type { FhirRequest } from './fhir-request.js';
import type { ServerContext } from './server-context.js';

/** The context one request is handled in: its repository finds and writes only what the request's client reaches. */
export function contextForClient(context: ServerContext, request: FhirRequest): ServerContext {
  const repository = context.repository.within(reachOfClient(request.client));
  return repository === context.repository ? context : { ...context, repository };
}
