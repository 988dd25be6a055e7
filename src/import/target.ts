/** What a target answered to one Bundle: the HTTP status and the parsed body (undefined when it was not JSON). */
export interface TargetAnswer {
  status: number;
  body: unknown;
}

/** Where the Bundles go: a running server, or the store through the app in this process. */
export interface ImportTarget {
  /** POST [base] with the Bundle as JSON text. */
  post(bundleJson: string): Promise<TargetAnswer>;
  close(): Promise<void>;
}

export const BUNDLE_HEADERS = {
  'content-type': 'application/fhir+json',
  accept: 'application/fhir+json',
  // Only the outcome of each entry matters here, not the resources echoed back.
  prefer: 'return=minimal',
};

export function parseJsonOrUndefined(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
