/**
 * The SearchParameter resources posted to the server, put in force for search and for the
 * index of later writes in every server process that shares the store, without a restart.
 *
 * How a process notices a change another one made: each write of a SearchParameter also
 * moves a marker (change-marker.ts) in the same transaction (search-parameter-writes.ts).
 * Before each request that searches or writes, a process reads that one small document by _id
 * (one lmdb get; one indexed round trip on MongoDB) and, only when the marker is not the one its
 * definitions were loaded at, reads the live SearchParameter resources again and hands the ones
 * in force to the search layer (setAddedSearchParameters). So a request that starts after a
 * SearchParameter write was answered sees it; one running at the same time as that write may
 * not ($reindex catches up resources written in that moment). The marker is read before the
 * resources, so the definitions are never older than the marker recorded with them; a write in
 * between costs one more reload, nothing worse.
 *
 * The search layer keeps the definitions per process: one process serves one store.
 */
import type { SearchParameter } from 'fhir/r4.js';
import { addedDefinitionProblem, builtInBase, setAddedSearchParameters } from '../search/search-parameters.js';
import type { Session, Store } from '../store/types.js';
import { moveMarker, readMarker } from './change-marker.js';
import { type CurrentDocument, resourceOf } from './stored-document.js';

export const SEARCH_PARAMETER_TYPE = 'SearchParameter';
const MARKER = 'search-parameters';

/** A posted SearchParameter applies unless it is retired (or deleted). */
export function inForce(sp: SearchParameter): boolean {
  return sp.status !== 'retired';
}

/** The live SearchParameter resources in force, in id order; read in the transaction when `session` is given. */
export async function searchParametersInForce(store: Store, session?: Session): Promise<SearchParameter[]> {
  const docs = await store.collection<CurrentDocument>(SEARCH_PARAMETER_TYPE)
    .find({ deleted: false }, { sort: { _id: 1 }, session }).toArray();
  return docs.map((doc) => resourceOf(doc) as SearchParameter).filter(inForce);
}

/** Call it in the transaction that writes a SearchParameter. */
export function markSearchParametersChanged(store: Store, session: Session): Promise<void> {
  return moveMarker(store, session, MARKER);
}

/** Stored before this server checked them, a definition may not be usable: such ones are left out. */
function usable(sp: SearchParameter): boolean {
  return addedDefinitionProblem(sp) === undefined && builtInBase(sp) === undefined;
}

/** Keeps this process's search parameters in step with the SearchParameter resources in the store. */
export class SearchParameterRegistry {
  /** The marker the definitions in force were loaded at (undefined: never loaded). */
  private loaded: string | undefined;
  private reloading: Promise<void> | undefined;

  constructor(private readonly store: Store) {}

  /** Cheap when nothing changed: one read of the marker. */
  async refresh(): Promise<void> {
    const marker = await readMarker(this.store, MARKER);
    if (marker === this.loaded) return;
    // One reload at a time; one under way may have begun before `marker` was written, so once it
    // is done, the next one (begun after `marker` was read) is waited for.
    await this.reloading;
    if (marker === this.loaded) return;
    this.reloading ??= this.reload().finally(() => {
      this.reloading = undefined;
    });
    await this.reloading;
  }

  private async reload(): Promise<void> {
    const marker = await readMarker(this.store, MARKER);
    const definitions = (await searchParametersInForce(this.store)).filter(usable);
    setAddedSearchParameters(definitions);
    this.loaded = marker;
  }
}
