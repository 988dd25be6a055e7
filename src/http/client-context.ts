import { reachOfClient } from '../auth/token-reach.js';
import type { AuditScope } from '../audit/audit-scope.js';
import type { FhirRequest } from './fhir-request.js';
import type { ServerContext } from './server-context.js';

/** The context one request is handled in: its repository finds and writes only what the request's client reaches. */
export function contextForClient(context: ServerContext, request: FhirRequest, auditScope?: AuditScope): ServerContext {
  let repository = context.repository.within(reachOfClient(request.client));
  // the request's writes are audited with it, in their own transactions
  if (context.audit && auditScope) repository = repository.withAfterWrite(context.audit.writeHook(auditScope));
  return repository === context.repository ? context : { ...context, repository };
}
