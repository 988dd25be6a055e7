/**
 * A patient's active Consents, found with the API's own search (`Consent?patient=…&status=active`)
 * and kept per patient until a Consent is written anywhere: each write of a Consent moves a marker
 * in its own transaction (write-version.ts), and a lookup reads the marker first, in the
 * caller's transaction, before it trusts what it kept. Reading the marker there also makes a
 * Consent written at the same moment conflict with the caller's transaction, as the search did.
 */
import type { Consent } from 'fhir/r4.js';
import { parseSearch } from '../../search/index.js';
import type { Session, Store } from '../../store/types.js';
import { moveMarker, readMarker } from '../change-marker.js';
import { resolveChains } from '../search/chains.js';
import { liveFilter } from '../search/live-filter.js';
import { type CurrentDocument, resourceOf } from '../stored-document.js';

export const CONSENT_TYPE = 'Consent';
const MARKER = 'consents';
const MAX_PATIENTS = 10_000;

export interface ActiveConsent {
  id: string;
  consent: Consent;
}

/** What one store's active Consents were at `marker`, for the patients looked up since. */
interface Kept {
  marker: string;
  byPatient: Map<string, readonly ActiveConsent[]>;
}

const keptByStore = new WeakMap<Store, Kept>();

export function markConsentsChanged(store: Store, session: Session): Promise<void> {
  return moveMarker(store, session, MARKER);
}

async function searchActiveConsents(store: Store, patient: string, session?: Session): Promise<ActiveConsent[]> {
  const request = parseSearch(CONSENT_TYPE, new URLSearchParams({ patient, status: 'active' }));
  const filter = liveFilter(await resolveChains(store, request, session));
  const docs = await store.collection<CurrentDocument>(CONSENT_TYPE).find(filter, { session }).toArray();
  return docs.filter((doc) => !doc.deleted && doc.json !== null).sort((a, b) => a._id.localeCompare(b._id))
    .map((doc) => ({ id: doc._id, consent: resourceOf(doc) as Consent }));
}

function keptFor(store: Store, marker: string): Kept {
  const kept = keptByStore.get(store);
  if (kept?.marker === marker) return kept;
  const fresh = { marker, byPatient: new Map() };
  keptByStore.set(store, fresh);
  return fresh;
}

/** The patient's active Consents in id order, as the transaction of `session` sees them (committed state without one). */
export async function activeConsents(store: Store, patient: string, session?: Session): Promise<readonly ActiveConsent[]> {
  const kept = keptFor(store, await readMarker(store, MARKER, session));
  const known = kept.byPatient.get(patient);
  if (known) return known;
  const found = await searchActiveConsents(store, patient, session);
  if (kept.byPatient.size >= MAX_PATIENTS) kept.byPatient.delete(kept.byPatient.keys().next().value!);
  kept.byPatient.set(patient, found);
  return found;
}
