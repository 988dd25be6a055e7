import type { InteractionHandler } from '../server-context.js';
import { bundle } from './bundle.js';
import { capabilities } from './capabilities.js';
import { compartmentSearch } from './compartment-search.js';
import { patientEverything } from '../../operations/patient-everything.js';
import { validate } from '../../operations/validate.js';
import { sign } from '../../operations/sign.js';
import { deliveryStatus } from '../../operations/delivery-status.js';
import { verifyAuditChain } from '../../operations/verify-audit-chain.js';
import { subscriptionStatus } from '../../operations/subscription-status.js';
import { verify } from '../../operations/verify.js';
import { create } from './create.js';
import { remove } from './delete.js';
import { history } from './history.js';
import { patch } from './patch.js';
import { read } from './read.js';
import { reindex } from './reindex.js';
import { search } from './search.js';
import { systemSearch } from './system-search.js';
import { update } from './update.js';
import { vread } from './vread.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One REST interaction: where it answers, what it is called in a CapabilityStatement, and its handler. */
export interface InteractionRoute {
  /** CapabilityStatement interaction code(s) (TypeRestfulInteraction / SystemRestfulInteraction), if it is one. */
  code?: string | readonly string[];
  level: 'instance' | 'type' | 'system';
  method: HttpMethod;
  /** Path below the FHIR base. */
  path: string;
  handler: InteractionHandler;
}

/** The single list routes and the CapabilityStatement are both built from, so they cannot disagree. */
export const INTERACTIONS: readonly InteractionRoute[] = [
  { level: 'system', method: 'GET', path: '/metadata', handler: capabilities },
  { code: 'history-system', level: 'system', method: 'GET', path: '/_history', handler: history },
  { code: 'search-system', level: 'system', method: 'GET', path: '', handler: systemSearch },
  { code: 'search-system', level: 'system', method: 'GET', path: '/', handler: systemSearch },
  { code: 'search-system', level: 'system', method: 'POST', path: '/_search', handler: systemSearch },
  { code: ['transaction', 'batch'], level: 'system', method: 'POST', path: '', handler: bundle },
  { code: ['transaction', 'batch'], level: 'system', method: 'POST', path: '/', handler: bundle },
  { code: 'search-type', level: 'type', method: 'GET', path: '/:type', handler: search },
  { code: 'search-type', level: 'type', method: 'POST', path: '/:type/_search', handler: search },
  { code: 'create', level: 'type', method: 'POST', path: '/:type', handler: create },
  { code: 'update', level: 'type', method: 'PUT', path: '/:type', handler: update },
  { code: 'delete', level: 'type', method: 'DELETE', path: '/:type', handler: remove },
  { code: 'history-type', level: 'type', method: 'GET', path: '/:type/_history', handler: history },
  { level: 'system', method: 'POST', path: '/$reindex', handler: reindex },
  { level: 'type', method: 'POST', path: '/:type/$reindex', handler: reindex },
  { level: 'type', method: 'POST', path: '/:type/$validate', handler: validate },
  { level: 'instance', method: 'POST', path: '/:type/:id/$validate', handler: validate },
  { level: 'instance', method: 'GET', path: '/:type/:id/$validate', handler: validate },
  { level: 'type', method: 'POST', path: '/:type/$verify', handler: verify },
  { level: 'instance', method: 'POST', path: '/:type/:id/$verify', handler: verify },
  { level: 'instance', method: 'GET', path: '/:type/:id/$verify', handler: verify },
  { level: 'instance', method: 'POST', path: '/:type/:id/$sign', handler: sign },
  { level: 'instance', method: 'GET', path: '/:type/:id/$sign', handler: sign },
  { level: 'instance', method: 'GET', path: '/:type/:id/$delivery-status', handler: deliveryStatus },
  { level: 'instance', method: 'GET', path: '/:type/:id/$status', handler: subscriptionStatus },
  { level: 'type', method: 'GET', path: '/:type/$verify-chain', handler: verifyAuditChain },
  { code: 'read', level: 'instance', method: 'GET', path: '/:type/:id', handler: read },
  { code: 'update', level: 'instance', method: 'PUT', path: '/:type/:id', handler: update },
  { code: 'patch', level: 'instance', method: 'PATCH', path: '/:type/:id', handler: patch },
  { code: 'delete', level: 'instance', method: 'DELETE', path: '/:type/:id', handler: remove },
  { code: 'history-instance', level: 'instance', method: 'GET', path: '/:type/:id/_history', handler: history },
  { code: 'vread', level: 'instance', method: 'GET', path: '/:type/:id/_history/:versionId', handler: vread },
  { level: 'instance', method: 'GET', path: '/:type/:id/$everything', handler: patientEverything },
  { level: 'instance', method: 'GET', path: '/:type/:id/:compartmentType', handler: compartmentSearch },
  { level: 'instance', method: 'POST', path: '/:type/:id/:compartmentType/_search', handler: compartmentSearch },
];
