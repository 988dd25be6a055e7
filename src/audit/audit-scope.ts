/**
 * Who is asking, for auditing the writes of one request: the request's repository carries it to
 * each write (client-context.ts), so a write deep in the repository (a transaction entry, a
 * conditional update) is audited in its own storage transaction.
 */
export interface AuditScope {
  client?: { clientId: string; subject?: string };
  address?: string;
  requestId?: string;
  /** How many writes of this request were audited in their own transaction. */
  writesAudited: number;
}
