import { InputError } from './input-error.js';
import { BUNDLE_HEADERS, type ImportTarget, parseJsonOrUndefined } from './target.js';

function unreachable(base: string, err: unknown): InputError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return new InputError(`cannot reach the FHIR server at ${base}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
}

/** Checks that the base answers GET [base]/metadata before anything is sent. */
async function assertFhirBase(base: string): Promise<void> {
  const response = await fetch(`${base}/metadata`, { headers: { accept: 'application/fhir+json' } }).catch((err: unknown) => {
    throw unreachable(base, err);
  });
  const body = parseJsonOrUndefined(await response.text()) as { resourceType?: string } | undefined;
  if (!response.ok || body?.resourceType !== 'CapabilityStatement') {
    throw new InputError(`${base} does not look like a FHIR base URL: GET ${base}/metadata answered ${response.status} without a CapabilityStatement`);
  }
}

/**
 * A running server, reached with Node's fetch (undici keeps the connections alive between Bundles).
 * FHIR_TOKEN, when set, is sent as the bearer token.
 */
export async function openHttpTarget(url: string, token: string | undefined = process.env.FHIR_TOKEN || undefined): Promise<ImportTarget> {
  const base = url.replace(/\/+$/, '');
  await assertFhirBase(base);
  const headers = token ? { ...BUNDLE_HEADERS, authorization: `Bearer ${token}` } : BUNDLE_HEADERS;
  return {
    async post(bundleJson) {
      const response = await fetch(base, { method: 'POST', headers, body: bundleJson });
      return { status: response.status, body: parseJsonOrUndefined(await response.text()) };
    },
    async close() {},
  };
}
