/**
 * The AuditEvent of each request under the FHIR base, recorded when the response has gone out:
 * what was asked (the interaction, the resource, the query, the patient), by whom (the token's
 * client and user, the network address, the request id) and how it ended. Writes that were
 * audited in their own transaction are not recorded a second time.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditAction, AuditRecord, RestfulInteraction } from '../audit/audit-event.js';
import type { AuditScope } from '../audit/audit-scope.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { matchInteraction } from './interaction-router.js';

declare module 'fastify' {
  interface FastifyRequest {
    auditScope?: AuditScope;
    /** The patient a read resource is about, when the handler found one. */
    auditPatient?: string;
    /** What the client was told when the request failed. */
    auditOutcomeText?: string;
    /** The request's REST interaction once classified (null: outside the FHIR base), shared by audit and metrics. */
    restInteraction?: RestfulInteraction | null;
  }
}

const ACTIONS: Record<RestfulInteraction, AuditAction> = {
  read: 'R', vread: 'R', history: 'R', 'history-instance': 'R', 'history-type': 'R', 'history-system': 'R', capabilities: 'R',
  create: 'C', update: 'U', patch: 'U', delete: 'D',
  search: 'E', 'search-type': 'E', 'search-system': 'E', transaction: 'E', batch: 'E', operation: 'E',
};
const WRITE_ACTIONS = new Set<AuditAction>(['C', 'U', 'D']);
const SEARCHES = new Set<RestfulInteraction>(['search-type', 'search-system', 'history-type', 'history-system']);
const VERSIONED_LOCATION = /([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})\/_history\/(\d+)/;

/** Declares the fields above on every request up front, so request objects keep one shape for V8 (fastify's decorators). */
export function declareAuditFields(app: FastifyInstance): void {
  for (const field of ['auditScope', 'auditPatient', 'auditOutcomeText', 'restInteraction'] as const) app.decorateRequest(field, undefined);
}

/** The scope a request's handler runs in, so its writes are audited with it. */
export function auditScopeOf(request: FastifyRequest): AuditScope {
  const scope: AuditScope = { address: request.ip, requestId: request.id, writesAudited: 0 };
  const client = request.fhirClient;
  if (client) scope.client = client.subject ? { clientId: client.clientId, subject: client.subject } : { clientId: client.clientId };
  request.auditScope = scope;
  return scope;
}

/** The REST interaction a request under `base` is, from the route it matches; undefined outside the base. */
export function requestInteraction(request: FastifyRequest, base: string): RestfulInteraction | undefined {
  if (request.restInteraction === undefined) {
    const path = request.url.split('?', 1)[0]!;
    request.restInteraction = path === base || path.startsWith(`${base}/`) ? interactionOf(request, base, path) : null;
  }
  return request.restInteraction ?? undefined;
}

function interactionOf(request: FastifyRequest, base: string, path: string): RestfulInteraction {
  const route = matchInteraction(request.method, path.slice(base.length))?.route;
  if (!route) return 'operation';
  if (route.path === '/metadata') return 'capabilities';
  const codes = [route.code ?? []].flat();
  if (codes.includes('transaction')) return (request.body as { type?: string } | undefined)?.type === 'batch' ? 'batch' : 'transaction';
  if (codes.length === 0) return route.path.includes('$') ? 'operation' : 'search-type';
  return codes[0] as RestfulInteraction;
}

function queryOf(request: FastifyRequest, queryStart: number): string {
  const inUrl = queryStart < 0 ? '' : request.url.slice(queryStart + 1);
  const inBody = request.body instanceof URLSearchParams ? request.body.toString() : '';
  return [inUrl, inBody].filter(Boolean).join('&');
}

function resourceOf(request: FastifyRequest, reply: FastifyReply): AuditRecord['resource'] {
  const location = VERSIONED_LOCATION.exec(String(reply.getHeader('location') ?? reply.getHeader('content-location') ?? ''));
  if (location) return { type: location[1]!, id: location[2]!, versionId: Number(location[3]) };
  const { type, id } = request.params as { type?: string; id?: string };
  if (!type || !id) return undefined;
  const etag = /^W\/"(\d+)"$/.exec(String(reply.getHeader('etag') ?? ''));
  return etag ? { type, id, versionId: Number(etag[1]) } : { type, id };
}

function patientOf(request: FastifyRequest, resource: AuditRecord['resource'], query: string): string | undefined {
  if (request.auditPatient) return request.auditPatient;
  if (resource?.type === 'Patient') return resource.id;
  if (query === '') return undefined;
  const params = new URLSearchParams(query);
  const named = params.get('patient') ?? params.get('subject') ?? params.get('subject:Patient');
  return named?.replace(/^Patient\//, '') || undefined;
}

/** What to record of a finished request; undefined when it is outside the FHIR base or audited already. */
export function requestAuditRecord(request: FastifyRequest, reply: FastifyReply, base: string): AuditRecord | undefined {
  const interaction = requestInteraction(request, base);
  if (!interaction) return undefined;
  const queryStart = request.url.indexOf('?');
  const action = ACTIONS[interaction];
  const status = reply.statusCode;
  const scope = request.auditScope;
  if (status < 300 && (scope?.writesAudited ?? 0) > 0 && WRITE_ACTIONS.has(action)) return undefined;
  const record: AuditRecord = { interaction, action, recorded: new Date(), outcome: { status }, address: request.ip, requestId: request.id };
  if (request.auditOutcomeText) record.outcome.text = request.auditOutcomeText;
  const client = scope?.client ?? (request.fhirClient ? { clientId: request.fhirClient.clientId } : undefined);
  if (client) record.client = client;
  const resource = resourceOf(request, reply);
  if (resource) record.resource = resource;
  const query = queryOf(request, queryStart);
  if (SEARCHES.has(interaction) || interaction === 'operation') record.query = query;
  const patient = patientOf(request, resource, query);
  if (patient) record.patient = patient;
  return record;
}

export function registerRequestAudit(app: FastifyInstance, trail: AuditTrail, base: string): void {
  app.addHook('onResponse', async (request, reply) => {
    const record = requestAuditRecord(request, reply, base);
    if (record) trail.record(record);
  });
  app.addHook('onClose', async () => {
    app.log.info('storing the remaining audit records');
    await trail.close();
    app.log.info('audit records stored');
  });
}
