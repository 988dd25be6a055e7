import type { FhirRequest } from './fhir-request.js';

/**
 * The client a request comes from: the verified token's client. With authentication off
 * (AUTH=off) a client may name itself in the X-Client-Id header, which proves nothing; the
 * header is ignored whenever a token says who the client is.
 */
export function clientIdOf(request: FhirRequest): string | undefined {
  if (request.client) return request.client.clientId;
  const id = request.headers['x-client-id']?.trim();
  return id ? id : undefined;
}
