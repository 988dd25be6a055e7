/**
 * Profiles written to the server as StructureDefinition resources: found by canonical URL in
 * the store, so a profile POSTed through any server process is usable by every process,
 * and after a restart, without being listed in profiles/.
 */
import type { StructureDefinition } from 'fhir/r4.js';
import type { Store } from '../store/types.js';
import { findMatches } from './conditional-match.js';
import { resourceOf } from './stored-document.js';

export function storedProfileFinder(store: Store): (url: string) => Promise<StructureDefinition | undefined> {
  return async (url) => {
    const [match] = await findMatches(store, undefined, 'StructureDefinition', new URLSearchParams({ url }).toString(), 'profile lookup');
    return match ? (resourceOf(match) as StructureDefinition) : undefined;
  };
}
