/**
 * History as one client may see it: the newest-first pages of history.ts, keeping only the versions
 * of types the client reads whose content it reaches (stored-reach.ts). Versions are scanned in
 * batches until a page is full or MAX_SCANNED versions were looked at; a page cut short by that
 * bound still links to the next one, from the last version scanned, so nothing is skipped.
 */
import type { Store } from '../store/types.js';
import type { ClientReach } from './client-reach.js';
import { type HistoryPage, type HistoryPosition, type HistoryQuery, type HistoryScope, historyPage } from './history.js';
import { type Version, historyKey } from './stored-document.js';
import { reachesVersion } from './stored-reach.js';

export const MAX_SCANNED = 5000;
const BATCH = 200;

function positionOf(version: Version): HistoryPosition {
  return { lastUpdated: version.lastUpdated, key: historyKey(version.type, version.id, version.versionId) };
}

export async function reachedHistoryPage(store: Store, scope: HistoryScope, query: HistoryQuery, reach: ClientReach): Promise<HistoryPage> {
  if (!reach.limited) return historyPage(store, scope, query);
  const shown: Version[] = [];
  let after = query.after;
  for (let scanned = 0; scanned < MAX_SCANNED;) {
    const batch = await historyPage(store, scope, { ...query, after, count: Math.max(BATCH, query.count + 1) });
    for (const version of batch.versions) {
      if (reach.readsType(version.type) && await reachesVersion(store, reach, version)) shown.push(version);
    }
    if (shown.length > query.count) return { versions: shown.slice(0, query.count), next: positionOf(shown[query.count - 1]!) };
    if (!batch.next) return { versions: shown };
    scanned += batch.versions.length;
    after = batch.next;
  }
  return { versions: shown, next: after };
}
