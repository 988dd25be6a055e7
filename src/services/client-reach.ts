/**
 * What one client may see and change of the store, as the services ask it: they know nothing of
 * tokens, scopes or organizations (src/auth/token-reach.ts answers for a token). A search is kept
 * within reach by adding `clause(type)` to it, so totals, counts and paging see only what the client
 * reaches; a single stored or written resource is judged by `holds`.
 */
import type { Resource } from 'fhir/r4.js';
import type { Clause } from '../search/index.js';
import { compileClause } from '../search/compile.js';
import type { Filter } from '../store/types.js';

export interface ClientReach {
  /** Whether anything but the resource types limits which resources the client reaches. */
  readonly limited: boolean;
  /** Whether resources of `type` may be shown to the client at all (as included ones, say). */
  readsType(type: string): boolean;
  /** Throws a 403 FhirError unless the client may search `type` (what a chain or _has does). */
  assertSearches(type: string): void;
  /** The clause that keeps a search of `type` within reach; undefined when nothing limits the type. */
  clause(type: string): Clause | undefined;
  /** Whether the resource (its content, as stored or about to be) is within reach. */
  holds(resource: Resource): boolean;
  /**
   * `holds` for a stored resource, from what its organization element refers to as stored beside
   * its index entries (CurrentDocument.organizations): the same answer without parsing it.
   */
  holdsStored(type: string, id: string, organizations: readonly string[] | null): boolean;
  /** Throws a 403 FhirError unless the resource, as it will be stored, stays within reach. */
  assertWritable(resource: Resource): void;
}

/** No limits: authentication off, or the server's own work. */
export const UNLIMITED_REACH: ClientReach = {
  limited: false,
  readsType: () => true,
  assertSearches: () => {},
  clause: () => undefined,
  holds: () => true,
  holdsStored: () => true,
  assertWritable: () => {},
};

/** The conditions of a query on `type` that is not a search (includes, $everything), and the reach clause of the type. */
export function filterWithinReach(reach: ClientReach, type: string, conditions: Filter[]): Filter {
  const clause = reach.clause(type);
  const all = clause ? [...conditions, compileClause(clause)] : conditions;
  return all.length === 1 ? all[0]! : { $and: all };
}
