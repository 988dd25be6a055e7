/**
 * Whether a client reaches one stored resource or version (services/client-reach.ts). A delete
 * has no content of its own: it is judged by the version it deleted, the one before it.
 */
import type { Resource } from 'fhir/r4.js';
import type { Store } from '../store/types.js';
import type { ClientReach } from './client-reach.js';
import { readVersion } from './history.js';
import { organizationsOfEntries } from './organization-elements.js';
import { type CurrentDocument, type Version, resourceOf, versionOf } from './stored-document.js';

async function contentOf(store: Store, version: Version): Promise<Resource | undefined> {
  if (!version.deleted) return resourceOf(version);
  const deleted = await readVersion(store, version.type, version.id, version.versionId - 1);
  return deleted?.json ? resourceOf(deleted) : undefined;
}

/** Whether the client reaches a version: its content, or for a delete the content it deleted. */
export async function reachesVersion(store: Store, reach: ClientReach, version: Version): Promise<boolean> {
  if (!reach.clause(version.type)) return true;
  const content = await contentOf(store, version);
  return content !== undefined && reach.holds(content);
}

/** Whether the client reaches a resource as its current document (live or deleted) stands. */
export async function reachesDocument(store: Store, reach: ClientReach, type: string, doc: CurrentDocument): Promise<boolean> {
  if (!doc.deleted) return reach.holdsStored(type, doc._id, doc.organizations === undefined ? organizationsOfEntries(type, doc.idx) : doc.organizations);
  return reachesVersion(store, reach, versionOf(type, doc));
}
