/**
 * Resolves `_include` / `_revinclude` (search.html#include) for one page of matches: fetches what
 * the matches refer to and what refers to them, then repeats the `:iterate` directives over what
 * was just included. Each resource comes once (a match is never included again); deleted and
 * missing targets, contained references and references to other servers are skipped.
 * Bounded: MAX_ITERATE_ROUNDS rounds of :iterate and MAX_INCLUDED resources per page.
 * Only what the client reaches is included: types it may not read are skipped, and each query
 * carries the reach condition of its type; what is left out is not mentioned.
 */
import { type IndexEntry, extractIndexEntries } from '../../search/index.js';
import {
  type IncludeDirective, followedReferences, includesFrom, revIncludeFilter, revIncludesTo,
} from '../../search/includes.js';
import type { Store } from '../../store/types.js';
import { type ClientReach, UNLIMITED_REACH, filterWithinReach } from '../client-reach.js';
import type { CurrentDocument } from '../stored-document.js';

export const MAX_ITERATE_ROUNDS = 5;
export const MAX_INCLUDED = 1000;
const ITERATION_CUT = `:iterate stopped after ${MAX_ITERATE_ROUNDS} rounds; resources further along were not included`;
const COUNT_CUT = `Only the first ${MAX_INCLUDED} included resources are returned with a page`;

export interface Included {
  type: string;
  doc: CurrentDocument;
}

export interface IncludeResult {
  /** In the order found: round by round, _include before _revinclude. */
  included: Included[];
  /** Why some resources were left out, when a bound cut the result. */
  cut?: string;
}

interface Round {
  store: Store;
  baseUrl: string;
  reach: ClientReach;
  /** "Type/id" of every match and every resource included so far. */
  seen: Set<string>;
}

const ABSOLUTE_REFERENCE = /"reference"\s*:\s*"[A-Za-z][A-Za-z0-9+.-]*:/;
const HAS_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

const keyOf = ({ type, doc }: Included): string => `${type}/${doc._id}`;

/**
 * A document's reference entries that point to this server. The index folds an absolute URL into
 * "Type/id" whatever its server, so a resource with absolute references is indexed again with
 * those on this base made relative and the others (and urn:uuid: ones) left out.
 */
function localReferenceEntries(doc: CurrentDocument, baseUrl: string): IndexEntry[] {
  if (!ABSOLUTE_REFERENCE.test(doc.json!)) return doc.idx.reference ?? [];
  const base = `${baseUrl}/`;
  const resource = JSON.parse(doc.json!, (key, value: unknown) => {
    if (key !== 'reference' || typeof value !== 'string' || !HAS_SCHEME.test(value)) return value;
    return value.startsWith(base) ? value.slice(base.length) : undefined;
  }) as { resourceType: string };
  return extractIndexEntries(resource).reference ?? [];
}

/** What the sources refer to through the _include directives: one `_id: {$in}` query per type, in reference order. */
async function forwardIncludes({ store, baseUrl, reach, seen }: Round, sources: Included[], directives: IncludeDirective[]): Promise<Included[]> {
  const refs = new Set<string>();
  for (const source of sources) {
    const followed = directives.filter((d) => includesFrom(d, source.type));
    if (followed.length === 0) continue;
    const entries = localReferenceEntries(source.doc, baseUrl);
    for (const d of followed) for (const ref of followedReferences(entries, d)) if (!seen.has(ref)) refs.add(ref);
  }
  const idsByType = new Map<string, string[]>();
  for (const ref of refs) {
    const [type, id] = ref.split('/');
    idsByType.set(type, [...(idsByType.get(type) ?? []), id]);
  }
  const found = new Map<string, Included>();
  for (const [type, ids] of idsByType) {
    if (!reach.readsType(type)) continue;
    const docs = await store.collection<CurrentDocument>(type).find(filterWithinReach(reach, type, [{ _id: { $in: ids }, deleted: false }])).toArray();
    for (const doc of docs) found.set(`${type}/${doc._id}`, { type, doc });
  }
  return [...refs].flatMap((ref) => found.get(ref) ?? []);
}

/** The resources that refer to the sources through one _revinclude directive, in id order. */
async function reverseIncludes({ store, baseUrl, reach, seen }: Round, sources: Included[], d: IncludeDirective): Promise<Included[]> {
  const refs = sources.filter((s) => revIncludesTo(d, s.type)).map(keyOf);
  const type = d.sourceType!;
  if (refs.length === 0 || !reach.readsType(type)) return [];
  // Enough to fill the page's quota even when every resource already seen is among them.
  const limit = MAX_INCLUDED + seen.size + 1;
  const docs = await store.collection<CurrentDocument>(type)
    .find(filterWithinReach(reach, type, [revIncludeFilter(d, refs), { deleted: false }]), { sort: { _id: 1 }, limit })
    .toArray();
  const wanted = new Set(refs);
  return docs
    .filter((doc) => followedReferences(localReferenceEntries(doc, baseUrl), d).some((ref) => wanted.has(ref)))
    .map((doc) => ({ type, doc }));
}

/** One round: every directive applied to the sources; what was seen before is left out. */
async function includeRound(round: Round, sources: Included[], directives: IncludeDirective[]): Promise<Included[]> {
  const found = await forwardIncludes(round, sources, directives.filter((d) => !d.reverse));
  for (const d of directives) if (d.reverse) found.push(...await reverseIncludes(round, sources, d));
  return found.filter((item) => {
    const key = keyOf(item);
    if (round.seen.has(key)) return false;
    round.seen.add(key);
    return true;
  });
}

/** The resources the directives include for a page of `type` matches, and why the result was cut, if it was. */
export async function resolveIncludes(
  store: Store, baseUrl: string, type: string, matches: CurrentDocument[], directives: IncludeDirective[], reach: ClientReach = UNLIMITED_REACH,
): Promise<IncludeResult> {
  const round: Round = { store, baseUrl, reach, seen: new Set(matches.map((doc) => `${type}/${doc._id}`)) };
  const included: Included[] = [];
  let sources: Included[] = matches.map((doc) => ({ type, doc }));
  let active = directives;
  // Round 0 applies every directive to the matches; later rounds only the :iterate ones to the last round's finds.
  for (let n = 0; sources.length > 0 && active.length > 0; n++) {
    const fresh = await includeRound(round, sources, active);
    if (n > MAX_ITERATE_ROUNDS) return fresh.length > 0 ? { included, cut: ITERATION_CUT } : { included };
    if (included.length + fresh.length > MAX_INCLUDED) {
      included.push(...fresh.slice(0, MAX_INCLUDED - included.length));
      return { included, cut: COUNT_CUT };
    }
    included.push(...fresh);
    sources = fresh;
    active = directives.filter((d) => d.iterate);
  }
  return { included };
}
