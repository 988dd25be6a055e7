import type { Resource } from 'fhir/r4.js';
import type { AuthenticatedClient } from '../auth/token-verifier.js';
import type { Version } from '../services/stored-document.js';
import type { ValidationIssue } from '../validation/issue.js';

/** A FHIR interaction request, free of any web framework, so bundles can replay entries through it. */
export interface FhirRequest {
  method: string;
  type?: string;
  id?: string;
  versionId?: string;
  /** The resource type searched within a compartment: `Observation` in `Patient/123/Observation`. */
  compartmentType?: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body?: unknown;
  /** The FHIR base URL the client used, without a trailing slash. */
  baseUrl: string;
  /** Who the bearer token speaks for; absent when authentication is off (AUTH=off). */
  client?: AuthenticatedClient;
}

/** What a handler answers; the HTTP edge turns it into status, headers and body. */
export interface FhirResponse {
  status: number;
  /** The body as a resource (a Bundle, an OperationOutcome ...), or ... */
  body?: Resource;
  /** ... as JSON text already (a stored resource, a Bundle of them), sent as it is when nothing reshapes it. */
  json?: string;
  /** The version written or read: gives ETag, Last-Modified and, for creates, Location. */
  version?: Version;
  /** Whether Prefer: return=... applies (create, update, patch). */
  preferApplies?: boolean;
  /** Validation findings of a resource stored anyway (VALIDATION=lenient): answered as warnings. */
  issues?: ValidationIssue[];
  /** Whether _summary/_elements apply to the body. */
  subsettable?: boolean;
}
