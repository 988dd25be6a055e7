import type { FhirRequest } from './fhir-request.js';

/**
 * The client a request comes from. Requests carry no authenticated client yet, so a client names
 * itself in the X-Client-Id header; a policy keyed on it can be dodged by a client that lies, which
 * is why signature requirements by Bundle type do not depend on it.
 */
export function clientIdOf(request: FhirRequest): string | undefined {
  const id = request.headers['x-client-id']?.trim();
  return id ? id : undefined;
}
