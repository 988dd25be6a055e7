/**
 * What each interaction needs of a token, in SMART terms: an interaction letter (c r u d s) on a
 * resource type ('*' for what spans every type). Transactions and batches need nothing themselves:
 * each of their entries is checked as the interaction it is.
 */
import type { FhirRequest } from '../http/fhir-request.js';
import type { InteractionRoute } from '../http/interactions/registry.js';
import type { ScopeInteraction } from './smart-scopes.js';

export interface Permission {
  type: string;
  interaction: ScopeInteraction;
}

const BY_CODE: Record<string, ScopeInteraction> = {
  read: 'r', vread: 'r', 'history-instance': 'r',
  'search-type': 's', 'history-type': 's',
  create: 'c', update: 'u', patch: 'u', delete: 'd',
};

/** Operations by their path's last segment: the interaction they amount to, on their type (or every type). */
const BY_OPERATION: Record<string, (request: FhirRequest) => Permission[]> = {
  $validate: (request) => [{ type: request.type!, interaction: 'r' }],
  $everything: () => [{ type: '*', interaction: 's' }],
  $sign: () => [{ type: 'Bundle', interaction: 'r' }],
  $verify: (request) => (request.id === undefined ? [] : [{ type: 'Bundle', interaction: 'r' }]),
  '$delivery-status': (request) => [{ type: request.type!, interaction: 'r' }],
  $status: () => [{ type: 'Subscription', interaction: 'r' }],
  '$verify-chain': () => [{ type: 'AuditEvent', interaction: 'r' }],
  $reindex: (request) => [{ type: request.type ?? '*', interaction: 'u' }],
};

const ENTRY_WRITES: Record<string, ScopeInteraction> = { POST: 'c', PUT: 'u', PATCH: 'u', DELETE: 'd' };

/** What a transaction's write entry needs (its reads go through the interactions and are checked there). */
export function entryWritePermissions(method: string, path: string, conditional: boolean): Permission[] {
  const interaction = ENTRY_WRITES[method];
  if (!interaction) return [];
  const type = path.split('/')[0]!;
  return conditional ? [{ type, interaction }, { type, interaction: 's' }] : [{ type, interaction }];
}

function systemSearchTypes(request: FhirRequest): string[] {
  const types = request.query.get('_type')?.split(',').map((type) => type.trim()).filter(Boolean);
  return types && types.length > 0 ? types : ['*'];
}

/** The `$name` of an operation route, or undefined. */
export function operationOf(route: InteractionRoute): string | undefined {
  const last = route.path.split('/').at(-1)!;
  return last.startsWith('$') ? last : undefined;
}

export function permissionsFor(route: InteractionRoute, request: FhirRequest): Permission[] {
  const codes = [route.code ?? []].flat();
  if (route.path === '/metadata' || codes.includes('transaction')) return [];
  const operation = route.path.split('/').at(-1)!;
  if (operation.startsWith('$')) return BY_OPERATION[operation]?.(request) ?? [{ type: request.type ?? '*', interaction: 'r' }];
  if (route.path.endsWith(':compartmentType') || route.path.endsWith(':compartmentType/_search')) return [{ type: request.compartmentType!, interaction: 's' }];
  if (codes.includes('search-system')) return systemSearchTypes(request).map((type) => ({ type, interaction: 's' }));
  if (codes.includes('history-system')) return [{ type: '*', interaction: 's' }];
  const interaction = BY_CODE[codes[0] ?? ''];
  const permissions: Permission[] = interaction ? [{ type: request.type!, interaction }] : [];
  // a conditional write (criteria instead of an id) also searches
  if (request.id === undefined && (interaction === 'u' || interaction === 'd')) permissions.push({ type: request.type!, interaction: 's' });
  return permissions;
}
