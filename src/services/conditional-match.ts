import { createHash } from 'node:crypto';
import { FhirError } from '../fhir/errors.js';
import { parseSearch } from '../search/index.js';
import type { Filter, Session, Store } from '../store/types.js';
import { CONDITIONAL_LOCKS_COLLECTION, type CurrentDocument } from './stored-document.js';
import { resolveChains } from './search/chains.js';
import { liveFilter } from './search/live-filter.js';
import { searchWithinReach } from './search/within-reach.js';
import { type ClientReach, UNLIMITED_REACH } from './client-reach.js';

function searchParams(query: string): URLSearchParams {
  const params = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  params.sort();
  return params;
}

/**
 * The filter of a conditional interaction's criteria, for live resources the client reaches. Unknown
 * parameters are an error here: ignoring one would widen the match to the whole type.
 */
async function matchFilter(store: Store, session: Session | undefined, type: string, query: string, what: string, reach: ClientReach): Promise<Filter> {
  const params = searchParams(query);
  if ([...params.keys()].length === 0) throw new FhirError('FHIR_ERR_CONDITION_MISSING', [what]);
  const request = parseSearch(type, params);
  if (request.unknown.length > 0) throw new FhirError('FHIR_ERR_PARAM_UNKNOWN', [request.unknown.join(', '), type]);
  return liveFilter(await resolveChains(store, searchWithinReach(request, reach), session));
}

/** The live resources matching a conditional interaction's criteria, at most two (enough to tell none, one and several). */
export async function findMatches(
  store: Store, session: Session | undefined, type: string, query: string, what: string, reach: ClientReach = UNLIMITED_REACH,
): Promise<CurrentDocument[]> {
  const filter = await matchFilter(store, session, type, query, what, reach);
  return store.collection<CurrentDocument>(type).find(filter, { session, limit: 2 }).toArray();
}

/** How many live resources match the criteria. */
export async function countMatches(
  store: Store, session: Session, type: string, query: string, what: string, reach: ClientReach = UNLIMITED_REACH,
): Promise<number> {
  const filter = await matchFilter(store, session, type, query, what, reach);
  return store.collection<CurrentDocument>(type).countDocuments(filter, { session });
}

/** The criteria in one canonical form: the same search written in another parameter order gives the same key. */
export function conditionKey(type: string, query: string): string {
  return `${type}?${searchParams(query).toString()}`;
}

/**
 * Writes a lock document named after the criteria inside the transaction. Two concurrent
 * conditional writes with the same criteria then write the same document, so the store
 * (optimistic validation in the embedded engine, write conflicts in MongoDB) lets only
 * one commit; the other re-runs and finds the first one's resource.
 */
export async function lockCondition(store: Store, session: Session, type: string, query: string): Promise<void> {
  const key = createHash('sha256').update(conditionKey(type, query)).digest('base64url');
  await store.collection(CONDITIONAL_LOCKS_COLLECTION).updateOne({ _id: key }, { $inc: { writes: 1 } }, { upsert: true, session });
}
