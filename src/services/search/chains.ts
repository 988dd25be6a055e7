/**
 * Chained parameters (search.html#chaining) and reverse chains (search.html#has) become
 * plain clauses before a search is compiled: each inner search runs first (ids only,
 * through the same filter compilation), then a chain becomes a reference clause on the
 * matched "Type/id"s and a _has an `_id` clause on the resources the matches refer to.
 * An inner search that matches nothing makes the outer one match nothing.
 */
import { FhirError } from '../../fhir/errors.js';
import {
  type ChainedClause, type Clause, type ForwardChain, type ReverseChain, type SearchRequest,
} from '../../search/index.js';
import type { Projection, Session, Store } from '../../store/types.js';
import type { CurrentDocument } from '../stored-document.js';
import { liveFilter } from './live-filter.js';

/** An inner search may match at most this many resources; a broader chain is refused with 400. */
export const MAX_CHAIN_MATCHES = 10_000;

/** The store to run inner searches on, inside a transaction when `session` is given. */
interface Reader {
  store: Store;
  session?: Session;
}

/** `req` with every chained clause (at any depth) replaced by the plain clause it stands for. */
export async function resolveChains(store: Store, req: SearchRequest, session?: Session): Promise<SearchRequest> {
  return resolveAll({ store, session }, req);
}

async function resolveAll(reader: Reader, req: SearchRequest): Promise<SearchRequest> {
  if (req.chains.length === 0) return req;
  const resolved = await Promise.all(req.chains.map((chain) => resolveChain(reader, req.type, chain)));
  return { ...req, clauses: [...req.clauses, ...resolved], chains: [] };
}

function resolveChain(reader: Reader, type: string, chain: ChainedClause): Promise<Clause> {
  return chain.kind === 'chain' ? resolveForward(reader, chain) : resolveReverse(reader, type, chain);
}

/** The live matches of an inner search, with only the projected fields. */
async function innerMatches(reader: Reader, key: string, inner: SearchRequest, projection: Projection): Promise<CurrentDocument[]> {
  const filter = liveFilter(await resolveAll(reader, inner));
  const docs = await reader.store.collection<CurrentDocument>(inner.type)
    .find(filter, { projection, limit: MAX_CHAIN_MATCHES + 1, session: reader.session })
    .toArray();
  if (docs.length > MAX_CHAIN_MATCHES) throw new FhirError('FHIR_ERR_CHAIN_TOO_BROAD', [key, MAX_CHAIN_MATCHES, inner.type]);
  return docs;
}

async function resolveForward(reader: Reader, chain: ForwardChain): Promise<Clause> {
  const refs = await Promise.all(chain.targets.map(async (inner) => {
    const docs = await innerMatches(reader, chain.key, inner, { _id: 1 });
    return docs.map((doc) => `${inner.type}/${doc._id}`);
  }));
  return { param: chain.param, type: 'reference', values: [{ kind: 'reference', refs: refs.flat() }] };
}

async function resolveReverse(reader: Reader, type: string, chain: ReverseChain): Promise<Clause> {
  const docs = await innerMatches(reader, chain.key, chain.inner, { 'idx.reference': 1 });
  const prefix = `${type}/`;
  const ids = new Set(docs.flatMap((doc) => (doc.idx.reference ?? [])
    .filter((entry) => entry.p === chain.param && entry.r?.startsWith(prefix))
    .map((entry) => entry.r!.slice(prefix.length))));
  return { param: '_id', type: 'token', values: [...ids].map((code) => ({ kind: 'token' as const, code })) };
}
