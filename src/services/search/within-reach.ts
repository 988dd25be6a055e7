/**
 * A parsed search kept within a client's reach: the reach clause of each searched type is added to
 * the search and to every inner search of its chains and _has, and an inner search of a type the
 * client may not search is refused (403), since its matches would tell what exists there.
 */
import type { ChainedClause, SearchRequest } from '../../search/index.js';
import type { ClientReach } from '../client-reach.js';

export function searchWithinReach(req: SearchRequest, reach: ClientReach): SearchRequest {
  const clause = reach.clause(req.type);
  const chains = req.chains.map((chain) => chainWithinReach(chain, reach));
  return { ...req, clauses: clause ? [...req.clauses, clause] : req.clauses, chains };
}

function innerWithinReach(inner: SearchRequest, reach: ClientReach): SearchRequest {
  reach.assertSearches(inner.type);
  return searchWithinReach(inner, reach);
}

function chainWithinReach(chain: ChainedClause, reach: ClientReach): ChainedClause {
  if (chain.kind === 'chain') return { ...chain, targets: chain.targets.map((inner) => innerWithinReach(inner, reach)) };
  return { ...chain, inner: innerWithinReach(chain.inner, reach) };
}
