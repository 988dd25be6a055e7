import type { AuditTrail } from '../audit/audit-trail.js';
import type { Config } from '../config.js';
import type { Repository } from '../services/repository.js';
import type { Validator } from '../validation/validator.js';
import type { BundleSigning } from '../services/signing/bundle-signing.js';
import type { Store } from '../store/types.js';
import type { FhirRequest, FhirResponse } from './fhir-request.js';

/** What every interaction handler may use; built once at start. */
export interface ServerContext {
  config: Config;
  /** The server's logger, for failures a handler answers itself instead of throwing. */
  log: { error(details: object, message: string): void };
  store: Store;
  repository: Repository;
  /** The validation writes go through; $validate asks it directly. */
  validator: Validator;
  /** The server's signer, trusted CAs and signature policy. */
  signing: BundleSigning;
  /** The audit log; absent with AUDIT=off. */
  audit?: AuditTrail;
}

export type InteractionHandler = (request: FhirRequest, context: ServerContext) => Promise<FhirResponse>;
