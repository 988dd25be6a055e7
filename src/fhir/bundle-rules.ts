/**
 * The R4 Bundle invariants (bundle.html#invs) a Bundle must meet before it is stored:
 * bdl-7 (fullUrl unique), bdl-9, bdl-10, bdl-11 (what a document needs) and bdl-12 (what a
 * message needs). The body has only been checked to be a resource, so every element is read
 * without trusting its JSON type.
 */
import { FhirError } from './errors.js';

interface BundleBody {
  type?: unknown;
  identifier?: { system?: unknown; value?: unknown };
  timestamp?: unknown;
  entry?: unknown;
}

interface EntryBody {
  fullUrl?: unknown;
  resource?: { resourceType?: unknown; meta?: { versionId?: unknown } };
}

function entriesOf(bundle: BundleBody): (EntryBody | undefined)[] {
  return Array.isArray(bundle.entry) ? bundle.entry as (EntryBody | undefined)[] : [];
}

function hasText(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

function firstResourceIs(bundle: BundleBody, type: string): boolean {
  return entriesOf(bundle)[0]?.resource?.resourceType === type;
}

/** bdl-9, bdl-10, bdl-11. */
function assertDocument(bundle: BundleBody): void {
  if (!hasText(bundle.identifier?.system) || !hasText(bundle.identifier?.value)) {
    throw new FhirError('FHIR_ERR_BUNDLE_DOCUMENT_IDENTIFIER', [], ['Bundle.identifier']);
  }
  if (!hasText(bundle.timestamp)) throw new FhirError('FHIR_ERR_BUNDLE_DOCUMENT_TIMESTAMP', [], ['Bundle.timestamp']);
  if (!firstResourceIs(bundle, 'Composition')) {
    throw new FhirError('FHIR_ERR_BUNDLE_DOCUMENT_COMPOSITION', [], ['Bundle.entry[0].resource']);
  }
}

/** bdl-7: entries with a fullUrl differ in it or in their resource's meta.versionId (a history may repeat them). */
function assertDistinctFullUrls(bundle: BundleBody): void {
  if (bundle.type === 'history') return;
  const firstIndex = new Map<string, number>();
  entriesOf(bundle).forEach((entry, index) => {
    if (typeof entry?.fullUrl !== 'string') return;
    const version = entry.resource?.meta?.versionId;
    const key = `${entry.fullUrl}\u0000${typeof version === 'string' ? version : ''}`;
    const earlier = firstIndex.get(key);
    if (earlier !== undefined) {
      throw new FhirError('FHIR_ERR_BUNDLE_FULLURL_DUPLICATE', [earlier, index, entry.fullUrl.slice(0, 200)], [`Bundle.entry[${index}].fullUrl`]);
    }
    firstIndex.set(key, index);
  });
}

/** Throws a FhirError (400) when a Bundle to be stored breaks one of the invariants above. */
export function assertBundleRules(bundle: BundleBody): void {
  if (bundle.type === 'document') assertDocument(bundle);
  if (bundle.type === 'message' && !firstResourceIs(bundle, 'MessageHeader')) {
    throw new FhirError('FHIR_ERR_BUNDLE_MESSAGE_HEADER', [], ['Bundle.entry[0].resource']);
  }
  assertDistinctFullUrls(bundle);
}
