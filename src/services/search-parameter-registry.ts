/**
 * The SearchParameter resources posted to the server, put in force for search and for the
 * index of later writes in every server process that shares the store, without a restart.
 *
 * How a process notices a change another one made: each write of a SearchParameter also
 * increments a counter document (REGISTRY_COLLECTION / VERSION_ID) in the same transaction
 * (search-parameter-writes.ts). Before each request a process reads that one small document
 * by _id (one lmdb get; one indexed round trip on MongoDB) and, only when the counter moved
 * past the one its definitions were loaded at, reads the live SearchParameter resources again
 * and hands the ones in force to the search layer (setAddedSearchParameters). So a request that
 * starts after a SearchParameter write was answered sees it; one running at the same time as
 * that write may not ($reindex catches up resources written in that moment). The counter is
 * read before the resources, so the definitions are never older than the counter recorded
 * with them; a write in between costs one more reload, nothing worse.
 *
 * The search layer keeps the definitions per process: one process serves one store.
 */
import type { SearchParameter } from 'fhir/r4.js';
import { addedDefinitionProblem, builtInBase, setAddedSearchParameters } from '../search/search-parameters.js';
import type { Session, Store } from '../store/types.js';
import { type CurrentDocument, resourceOf } from './stored-document.js';

export const SEARCH_PARAMETER_TYPE = 'SearchParameter';
const REGISTRY_COLLECTION = 'search_parameter_registry';
const VERSION_ID = 'version';

interface RegistryVersion {
  _id: string;
  version: number;
  [key: string]: unknown;
}

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

/** Moves the registry version on; call it in the transaction that writes a SearchParameter. */
export async function bumpRegistryVersion(store: Store, session: Session): Promise<void> {
  await store.collection<RegistryVersion>(REGISTRY_COLLECTION)
    .updateOne({ _id: VERSION_ID }, { $inc: { version: 1 } }, { upsert: true, session });
}

async function registryVersion(store: Store): Promise<number> {
  const doc = await store.collection<RegistryVersion>(REGISTRY_COLLECTION).findOne({ _id: VERSION_ID });
  return doc?.version ?? 0;
}

/** Stored before this server checked them, a definition may not be usable: such ones are left out. */
function usable(sp: SearchParameter): boolean {
  return addedDefinitionProblem(sp) === undefined && builtInBase(sp) === undefined;
}

/** Keeps this process's search parameters in step with the SearchParameter resources in the store. */
export class SearchParameterRegistry {
  /** The registry version the definitions in force were loaded at (-1: never loaded). */
  private loadedVersion = -1;
  private reloading: Promise<void> | undefined;

  constructor(private readonly store: Store) {}

  /** Cheap when nothing changed: one read of the registry version. */
  async refresh(): Promise<void> {
    const version = await registryVersion(this.store);
    // One reload at a time; a reload that began before `version` was written may have missed it.
    while (this.loadedVersion < version) {
      this.reloading ??= this.reload().finally(() => {
        this.reloading = undefined;
      });
      await this.reloading;
    }
  }

  private async reload(): Promise<void> {
    const version = await registryVersion(this.store);
    const definitions = (await searchParametersInForce(this.store)).filter(usable);
    setAddedSearchParameters(definitions);
    this.loadedVersion = version;
  }
}
