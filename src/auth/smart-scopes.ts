/**
 * SMART on FHIR scopes from a token's `scope` claim.
 *
 * v2: `<context>/<type>.<letters>` where the letters are a subset of c, r, u, d, s in that order
 * (`patient/Observation.rs`, `system/*.cruds`), optionally followed by `?<search parameters>`.
 * v1: `.read` (= rs), `.write` (= cud), `.*` (= cruds).
 *
 * Scopes with a query (`patient/Observation.rs?category=laboratory`) are kept with their query unparsed
 * but grant nothing for now: honouring them would mean matching each resource against the query, and a
 * scope must never grant more than it says. Scopes that are not resource scopes (openid, fhirUser,
 * launch/patient, offline_access) and malformed ones (letters out of order) are ignored.
 */

export type ScopeContext = 'patient' | 'user' | 'system';
export type ScopeInteraction = 'c' | 'r' | 'u' | 'd' | 's';

export interface SmartScope {
  context: ScopeContext;
  /** A resource type or '*'. */
  type: string;
  interactions: Set<ScopeInteraction>;
  /** v2 search parameters after `?`, unparsed; such a scope grants nothing for now. */
  query?: string;
  /** The scope as the token wrote it. */
  text: string;
}

const RESOURCE_SCOPE = /^(patient|user|system)\/([A-Z][A-Za-z]*|\*)\.([a-z*]+)(?:\?(.*))?$/;
const V2_LETTERS = /^c?r?u?d?s?$/;
const V1_PERMISSIONS: Record<string, ScopeInteraction[]> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

function interactionsOf(permission: string): ScopeInteraction[] | undefined {
  if (Object.hasOwn(V1_PERMISSIONS, permission)) return V1_PERMISSIONS[permission];
  if (permission !== '' && V2_LETTERS.test(permission)) return [...permission] as ScopeInteraction[];
  return undefined;
}

/** One scope, or undefined when it is not a resource scope this server understands. */
export function parseSmartScope(text: string): SmartScope | undefined {
  const match = RESOURCE_SCOPE.exec(text);
  if (!match) return undefined;
  const [, context, type, permission, query] = match;
  const interactions = interactionsOf(permission);
  if (!interactions) return undefined;
  const scope: SmartScope = { context: context as ScopeContext, type, interactions: new Set(interactions), text };
  if (query !== undefined) scope.query = query;
  return scope;
}

/** The resource scopes of a space-separated `scope` claim; everything else in it is ignored. */
export function parseSmartScopes(claim: string): SmartScope[] {
  return claim.split(/\s+/).flatMap((text) => parseSmartScope(text) ?? []);
}

/** When several scopes grant, the one with the widest context is picked: its caller restricts least. */
const CONTEXT_ORDER: readonly ScopeContext[] = ['system', 'user', 'patient'];

function grants(scope: SmartScope, type: string, interaction: ScopeInteraction): boolean {
  return scope.query === undefined && (scope.type === '*' || scope.type === type) && scope.interactions.has(interaction);
}

/** The scope that grants `interaction` on `type`, or undefined when none does. */
export function allows(scopes: readonly SmartScope[], type: string, interaction: ScopeInteraction): SmartScope | undefined {
  const granting = scopes.filter((scope) => grants(scope, type, interaction));
  return granting.sort((a, b) => CONTEXT_ORDER.indexOf(a.context) - CONTEXT_ORDER.indexOf(b.context))[0];
}

/** For a 403 message: the scopes any one of which would have granted the interaction. */
export function missingScopeText(type: string, interaction: ScopeInteraction): string {
  return CONTEXT_ORDER.map((context) => `${context}/${type}.${interaction}`).join(' or ');
}
