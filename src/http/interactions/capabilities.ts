import { readFileSync } from 'node:fs';
import type { CapabilityStatement, CapabilityStatementRestResource, OperationDefinition } from 'fhir/r4.js';
import { RESOURCE_TYPES } from '../../fhir/resource-types.js';
import { PATIENT_COMPARTMENT_URL } from '../../search/compartments.js';
import { supportedSearchParams } from '../../search/index.js';
import { searchParametersGeneration } from '../../search/search-parameters.js';
import { supportedIncludes, supportedRevIncludes } from '../../search/includes.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import type { ServerContext } from '../server-context.js';
import { profileRegistry } from '../../validation/profile-registry.js';
import { REINDEX_OPERATION } from './reindex.js';
import { INTERACTIONS } from './registry.js';

const SOFTWARE_VERSION = '0.1.0';
const PATIENT_EVERYTHING = { name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' };
const VALIDATE = { name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' };

/** An operation of this server's own, declared by its OperationDefinition in conformance/. */
function ownOperation(file: string): { name: string; definition: string } {
  const definition = JSON.parse(readFileSync(new URL(`../../../conformance/operation-definitions/${file}`, import.meta.url), 'utf8')) as OperationDefinition;
  return { name: definition.code, definition: definition.url! };
}

const BUNDLE_OPERATIONS = [ownOperation('sign.json'), ownOperation('verify.json')];
/** Every type: which subscriptions a resource matched and how their notifications went. */
const DELIVERY_STATUS = ownOperation('delivery-status.json');
const SUBSCRIPTION_OPERATIONS = [ownOperation('subscription-status.json')];
const AUDIT_EVENT_OPERATIONS = [ownOperation('verify-audit-chain.json')];

/** The operations only some types have. */
function typeOperations(type: string): { name: string; definition: string }[] {
  if (type === 'Patient') return [PATIENT_EVERYTHING];
  if (type === 'Bundle') return BUNDLE_OPERATIONS;
  if (type === 'Subscription') return SUBSCRIPTION_OPERATIONS;
  if (type === 'AuditEvent') return AUDIT_EVENT_OPERATIONS;
  return [];
}

function codesAt(levels: string[]): string[] {
  const codes = INTERACTIONS.filter((i) => i.code && levels.includes(i.level)).flatMap((i) => [i.code!].flat());
  return [...new Set(codes)];
}

/** What the API refuses on AuditEvents (the audit log is the server's to write). */
const AUDIT_LOG_WRITES = new Set(['create', 'update', 'patch', 'delete']);

function interactionsOf(type: string, typeCodes: string[]): string[] {
  return type === 'AuditEvent' ? typeCodes.filter((code) => !AUDIT_LOG_WRITES.has(code)) : typeCodes;
}

function conditionalWrites(type: string): Pick<CapabilityStatementRestResource, 'updateCreate' | 'conditionalCreate' | 'conditionalUpdate' | 'conditionalDelete'> {
  const writable = type !== 'AuditEvent';
  return { updateCreate: writable, conditionalCreate: writable, conditionalUpdate: writable, conditionalDelete: writable ? 'single' : 'not-supported' };
}

function resourceEntry(type: string, typeCodes: string[]): CapabilityStatementRestResource {
  return {
    type,
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    interaction: interactionsOf(type, typeCodes).map((code) => ({ code: code as 'read' })),
    versioning: 'versioned-update',
    readHistory: true,
    ...conditionalWrites(type),
    conditionalRead: 'full-support',
    searchParam: supportedSearchParams(type).map(({ name, type: paramType, definition, documentation }) => ({
      name, type: paramType, ...(definition ? { definition } : {}), ...(documentation ? { documentation } : {}),
    })),
    ...supportedProfiles(type),
    searchInclude: supportedIncludes(type),
    searchRevInclude: supportedRevIncludes(type),
    operation: [REINDEX_OPERATION, VALIDATE, DELIVERY_STATUS, ...typeOperations(type)],
  };
}

/** The profiles of `type` this server validates against (profiles/ and those registered since). */
function supportedProfiles(type: string): Pick<CapabilityStatementRestResource, 'supportedProfile'> {
  const urls = profileRegistry().profiles().filter((sd) => sd.type === type && sd.url).map((sd) => sd.url!);
  return urls.length > 0 ? { supportedProfile: urls } : {};
}

/** Rebuilt when the base URL or the search parameters (SearchParameter resources posted) change. */
let cached: { base: string; generation: number; statement: CapabilityStatement } | undefined;

function build(baseUrl: string): CapabilityStatement {
  const typeCodes = codesAt(['type', 'instance']);
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'EGISZ FHIR Server', version: SOFTWARE_VERSION },
    implementation: { description: 'FHIR R4 server for Russian healthcare exchange (EGISZ style)', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    rest: [{
      mode: 'server',
      resource: RESOURCE_TYPES.map((type) => resourceEntry(type, typeCodes)),
      interaction: codesAt(['system']).map((code) => ({ code: code as 'history-system' })),
      operation: [REINDEX_OPERATION],
      compartment: [PATIENT_COMPARTMENT_URL],
    }],
  };
}

/** GET [base]/metadata — generated from the interaction registry and the search parameters really indexed. */
export async function capabilities(request: FhirRequest, _context: ServerContext): Promise<FhirResponse> {
  const generation = searchParametersGeneration();
  if (cached?.base !== request.baseUrl || cached.generation !== generation) {
    cached = { base: request.baseUrl, generation, statement: build(request.baseUrl) };
  }
  return { status: 200, body: cached.statement };
}
