/**
 * Who is asking, carried through a request's asynchronous work, so that a write deep in the
 * repository (a transaction entry, a conditional update) can be audited in its own storage
 * transaction without every layer passing the request along.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface AuditScope {
  client?: { clientId: string; subject?: string };
  address?: string;
  requestId?: string;
  /** How many writes of this request were audited in their own transaction. */
  writesAudited: number;
}

const scopes = new AsyncLocalStorage<AuditScope>();

export function runInAuditScope<R>(scope: AuditScope, work: () => R): R {
  return scopes.run(scope, work);
}

/** The scope of the request being served, or undefined outside a request (the dispatcher, start-up). */
export function currentAuditScope(): AuditScope | undefined {
  return scopes.getStore();
}
