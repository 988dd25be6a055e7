/** A fhir-kit-client Client of a FHIR base that sends the bearer token with every request. */
import type { Bundle, BundleEntry, FhirResource, Resource } from 'fhir/r4.js';
import { Client, type FhirResource as ClientResource } from 'fhir-kit-client';

export function connect(baseUrl: string, token: string): Client {
  return new Client({ baseUrl, bearerToken: token });
}

/** fhir-kit-client answers with untyped JSON; these scripts ask for Bundles and resources they know the shape of. */
export function asResource<R extends FhirResource>(answer: unknown): R {
  return answer as R;
}

/** A resource as the body fhir-kit-client sends. */
export function requestBody(resource: Resource): ClientResource {
  return resource as unknown as ClientResource;
}

/** The resources of `type` in a Bundle, in entry order; with `mode`, only search matches or only includes. */
export function resourcesOf<R extends FhirResource>(bundle: Bundle, type: R['resourceType'], mode?: 'match' | 'include'): R[] {
  const entries: BundleEntry[] = bundle.entry ?? [];
  return entries
    .filter((entry) => entry.resource?.resourceType === type && (mode === undefined || entry.search?.mode === mode))
    .map((entry) => entry.resource as R);
}

/** Every page of a search, following its next links (fhir-kit-client nextPage) until there is none. */
export async function* searchPages(client: Client, first: Bundle): AsyncGenerator<Bundle> {
  let page: Bundle | undefined = first;
  while (page) {
    yield page;
    const next = client.nextPage({ bundle: requestBody(page) as Parameters<Client['nextPage']>[0]['bundle'] });
    page = next ? asResource<Bundle>(await next) : undefined;
  }
}
