import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { FhirError } from '../fhir/errors.js';
import { RESOURCE_TYPES } from '../fhir/resource-types.js';
import { Repository, type WriteHooks } from '../services/repository.js';
import { SearchParameterRegistry } from '../services/search-parameter-registry.js';
import { storeConformanceResources } from '../services/conformance-resources.js';
import { storedProfileFinder } from '../services/stored-profiles.js';
import { BundleSigning } from '../services/signing/bundle-signing.js';
import { loadSigningIdentity } from '../services/signing/signing-identity.js';
import { loadTrustStore } from '../services/signing/trust-store.js';
import { ensureOutboxIndexes } from '../services/subscriptions/outbox.js';
import { SubscriptionDispatcher } from '../services/subscriptions/subscription-dispatcher.js';
import { ServerMetrics } from '../services/server-metrics.js';
import { TimedStore } from '../store/timed-store.js';
import { SubscriptionMatcher } from '../services/subscriptions/subscription-matcher.js';
import { preparedSubscription } from '../services/subscriptions/subscription-writes.js';
import { useTerminologyDirectory } from '../search/terminology.js';
import { setContentSearchTypes } from '../search/search-parameters.js';
import { readConformanceResources } from '../validation/profile-registry.js';
import { Validator } from '../validation/validator.js';
import type { Store } from '../store/types.js';
import { assertAcceptable, registerBodyParsers } from './content-negotiation.js';
import { handleError } from './error-handler.js';
import { registerHealthRoutes } from './health.js';
import { registerMetrics } from './metrics.js';
import { isOperationsRequest } from './operations-paths.js';
import { registerAuthentication } from './authentication.js';
import { registerCors } from './cors.js';
import { registerRateLimit } from './rate-limit.js';
import { registerSecurityHeaders } from './security-headers.js';
import { registerShutdownRefusal } from './shutdown-refusal.js';
import type { Resource } from 'fhir/r4.js';
import type { FhirRequest, FhirResponse } from './fhir-request.js';
import { INTERACTIONS, type HttpMethod, type InteractionRoute } from './interactions/registry.js';
import { assertPermitted } from '../auth/authorization.js';
import { operationOf, permissionsFor } from '../auth/route-permissions.js';
import { contextForClient } from './client-context.js';
import { loggerOptions } from './logging.js';
import { AuditTrail } from '../audit/audit-trail.js';
import { type RestfulInteraction, THIS_SERVER } from '../audit/audit-event.js';
import { auditedPatientOf } from '../audit/write-audit-record.js';
import { auditScopeOf, declareAuditFields, registerRequestAudit, requestInteraction } from './request-audit.js';
import { send } from './send.js';
import { asksForSignature, signedResponse } from './signed-response.js';
import type { InteractionHandler, ServerContext } from './server-context.js';

export const FHIR_BASE_PATH = '/fhir';
const ALL_METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

interface RouteParams {
  type?: string;
  id?: string;
  versionId?: string;
  compartmentType?: string;
}

function baseUrlOf(request: FastifyRequest, config: Config): string {
  return config.baseUrl ?? `${request.protocol}://${request.host}${FHIR_BASE_PATH}`;
}

function toFhirRequest(request: FastifyRequest, config: Config): FhirRequest {
  const params = request.params as RouteParams;
  const queryStart = request.url.indexOf('?');
  const query = new URLSearchParams(queryStart < 0 ? '' : request.url.slice(queryStart + 1));
  if (request.body instanceof URLSearchParams) for (const [name, value] of request.body) query.append(name, value);
  return {
    method: request.method,
    type: params.type,
    id: params.id,
    versionId: params.versionId,
    compartmentType: params.compartmentType,
    query,
    headers: request.headers as Record<string, string | undefined>,
    body: request.body instanceof URLSearchParams ? undefined : request.body,
    baseUrl: baseUrlOf(request, config),
    client: request.fhirClient,
  };
}

function registerInteractions(app: FastifyInstance, context: ServerContext): void {
  const methodsByPath = new Map<string, Set<HttpMethod>>();
  for (const interaction of INTERACTIONS) {
    const { method, path } = interaction;
    methodsByPath.set(path, (methodsByPath.get(path) ?? new Set()).add(method));
    app.route({ method, url: FHIR_BASE_PATH + path, handler: route(interaction, context) });
  }
  for (const [path, methods] of methodsByPath) {
    const others = ALL_METHODS.filter((m) => !methods.has(m));
    if (others.length === 0) continue;
    app.route({
      method: others, url: FHIR_BASE_PATH + path,
      handler: async (request) => { throw new FhirError('FHIR_ERR_METHOD_NOT_ALLOWED', [request.method, path]); },
    });
  }
}

function route(interaction: InteractionRoute, context: ServerContext) {
  return async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const fhirRequest = toFhirRequest(request, context.config);
    assertPermitted(fhirRequest, permissionsFor(interaction, fhirRequest), operationOf(interaction));
    const signed = asksForSignature(fhirRequest);
    const auditScope = context.audit ? auditScopeOf(request) : undefined;
    const response = await interaction.handler(fhirRequest, contextForClient(context, fhirRequest, auditScope));
    if (context.audit && interaction.code === 'read') request.auditPatient = response.version?.patient;
    if (context.audit && interaction.code === 'vread') request.auditPatient = readPatientOf(response);
    return send(reply, fhirRequest, signed ? signedResponse(fhirRequest, response, context) : response);
  };
}

function readPatientOf(response: FhirResponse): string | undefined {
  return response.json ? auditedPatientOf(JSON.parse(response.json) as Resource) : undefined;
}

/** The server's signer (configured, or a development one it makes) and the CAs it trusts, its own among them. */
async function serverSigning(config: Config, log: FastifyBaseLogger): Promise<BundleSigning> {
  const identity = await loadSigningIdentity(config.signing, config.dataDir);
  if (identity.source === 'development') log.warn({ location: identity.location }, 'signing with a self-signed development certificate; configure SIGNING_KEY_FILE and SIGNING_CERT_FILE or SIGNING_P12_FILE for production');
  const ownRoot = identity.signer.chain.at(-1)!;
  return new BundleSigning(identity.signer, [...loadTrustStore(config.signing.trustStore), ownRoot], config.signing);
}

/** The base URL notifications name resources by: BASE_URL, else the address the server listens on. */
function notificationBaseUrl(app: FastifyInstance, config: Config): string {
  if (config.baseUrl) return config.baseUrl;
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return `http://localhost:${port}${FHIR_BASE_PATH}`;
}

export interface AppOptions {
  /** Whether this process delivers subscription notifications (the import tool leaves that to the server). */
  deliverNotifications?: boolean;
}

/** TRUST_PROXY as Fastify takes it: a number of hops becomes a test of the hop. */
function trustedProxies(setting: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

/** Interactions that neither search nor index a resource, so need no search parameter definitions. */
const WITHOUT_SEARCH_PARAMETERS = new Set<RestfulInteraction>(['read', 'vread', 'history', 'history-instance', 'history-type', 'history-system', 'capabilities']);

/** The Fastify application: a thin adapter from HTTP to the framework-free interaction handlers. */
export async function buildApp(config: Config, store: Store, { deliverNotifications = true }: AppOptions = {}): Promise<FastifyInstance> {
  // while closing: idle keep-alive connections are closed at once, and new requests get a FHIR 503 (shutdown-refusal.ts)
  const app = Fastify({ bodyLimit: config.bodyLimit, forceCloseConnections: 'idle', return503OnClosing: false, trustProxy: trustedProxies(config.trustProxy), ...loggerOptions(config.logLevel) });
  useTerminologyDirectory(config.terminologyDir);
  setContentSearchTypes(config.contentSearchTypes);
  const metrics = new ServerMetrics({ store, log: app.log });
  // every store operation of this app is timed here, at one place
  store = new TimedStore(store, metrics.observeStore);
  const validator = new Validator({ mode: config.validation, profiles: config.profiles, attachmentLimit: config.attachmentLimit }, storedProfileFinder(store), undefined, metrics.recordRejection);
  const signing = await serverSigning(config, app.log);
  let dispatcher: SubscriptionDispatcher | undefined;
  const matcher = new SubscriptionMatcher(() => dispatcher?.wake());
  const audit = config.audit === 'on' ? new AuditTrail({ store: { dataDir: config.dataDir, mongodbUri: config.mongodbUri }, observer: THIS_SERVER }, store, app.log) : undefined;
  const hooks: WriteHooks = {
    beforeWrite: preparedSubscription,
    // each request's repository adds the audit of its writes (client-context.ts)
    afterWrite: (...written) => matcher.afterWrite(...written),
  };
  const repository = new Repository(store, { validator, hooks, verifySignature: (bundle) => signing.checkSignature(bundle) });
  await repository.collections.ensureAll(RESOURCE_TYPES);
  if (audit) await audit.start();
  await storeConformanceResources(repository, readConformanceResources());
  const context: ServerContext = { config, store, repository, validator, signing, log: app.log, ...(audit ? { audit } : {}) };
  registerBodyParsers(app, config.jsonMaxDepth);
  declareAuditFields(app);
  registerSecurityHeaders(app, config);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(async (request) => {
    throw new FhirError('FHIR_ERR_ROUTE_NOT_FOUND', [request.method, request.url.split('?')[0]!.slice(0, 200)]);
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
    if (isOperationsRequest(request)) return;
    const format = (request.query as Record<string, unknown> | undefined)?._format;
    assertAcceptable(typeof format === 'string' ? format : undefined, request.headers.accept);
  });
  registerShutdownRefusal(app);
  // a CORS preflight carries no token: answered before authentication
  registerCors(app, config.corsOrigins);
  // after the request id is set, so a refused request carries it too
  await registerAuthentication(app, config, config.baseUrl ?? `http://localhost:${config.port}${FHIR_BASE_PATH}`);
  // after authentication, so a client's budget is its token's client id
  registerRateLimit(app, config.rateLimit);
  // SearchParameter resources written by any process sharing the store apply from the next request
  // on that searches or writes (reads and history use none, and skip the registry's store read).
  const searchParameters = new SearchParameterRegistry(store);
  app.addHook('preHandler', async (request) => {
    const interaction = requestInteraction(request, FHIR_BASE_PATH);
    if (interaction && !WITHOUT_SEARCH_PARAMETERS.has(interaction)) await searchParameters.refresh();
  });
  registerInteractions(app, context);
  registerMetrics(app, metrics, FHIR_BASE_PATH);
  if (audit) registerRequestAudit(app, audit, FHIR_BASE_PATH);
  // onClose hooks run last-registered first: the dispatcher winds down (its deliveries under way
  // finish, and are audited) before the audit records are stored
  app.addHook('onClose', async () => {
    app.log.info('stopping the subscription dispatcher (deliveries under way finish) and releasing its leases');
    await dispatcher!.stop();
    app.log.info('subscription dispatcher stopped, its leases released');
  });
  await ensureOutboxIndexes(store);
  dispatcher = new SubscriptionDispatcher({ store, repository, signing, settings: config.subscriptions, baseUrl: () => notificationBaseUrl(app, config), log: app.log, recordDelivery: metrics.recordDelivery, ...(audit ? { audit: (record) => audit.record(record) } : {}) });
  if (deliverNotifications) app.addHook('onReady', async () => dispatcher!.start());
  registerHealthRoutes(app, { store, log: app.log, ...(deliverNotifications ? { dispatcher } : {}) });
  return app;
}
