/**
 * Which subscriptions a written document could match, without trying them all: a subscription
 * whose criteria require a reference (`patient=Patient/123`, the patient cabinet's usual one) is
 * filed under each reference it accepts, and a document only meets those filed under the references
 * it holds in its index, plus the subscriptions that require none. Routing only narrows the
 * candidates; the criteria's own filter decides.
 */
import type { SearchRequest } from '../../search/index.js';
import type { CurrentDocument } from '../stored-document.js';
import type { SubscriptionDefinition } from './subscription-definition.js';

function key(param: string, reference: string): string {
  return `${param}|${reference}`;
}

/** The references a plain reference clause of the criteria requires, one of which a match must hold. */
function routingKeys(search: SearchRequest): string[] | undefined {
  for (const clause of search.clauses) {
    if (clause.type !== 'reference' || clause.modifier !== undefined) continue;
    // every value must name its references outright (a bare id of an unknown type matches more)
    if (!clause.values.every((value) => value.kind === 'reference' && value.refs.length > 0 && value.id === undefined)) continue;
    return clause.values.flatMap((value) => (value.kind === 'reference' ? value.refs.map((ref) => key(clause.param, ref)) : []));
  }
  return undefined;
}

function documentKeys(document: CurrentDocument): string[] {
  const references = (document.idx as { reference?: { p: string; r: string }[] }).reference ?? [];
  return references.map((entry) => key(entry.p, entry.r));
}

export class SubscriptionRouting {
  private readonly routed = new Map<string, SubscriptionDefinition[]>();
  private readonly unrouted: SubscriptionDefinition[] = [];

  constructor(definitions: readonly SubscriptionDefinition[]) {
    for (const definition of definitions) {
      const keys = routingKeys(definition.search);
      if (!keys) this.unrouted.push(definition);
      for (const routing of new Set(keys)) this.routed.set(routing, [...(this.routed.get(routing) ?? []), definition]);
    }
  }

  /** The subscriptions the document could match, each once. */
  candidates(document: CurrentDocument): SubscriptionDefinition[] {
    const found = new Set(this.unrouted);
    for (const routing of documentKeys(document)) for (const definition of this.routed.get(routing) ?? []) found.add(definition);
    return [...found];
  }
}
