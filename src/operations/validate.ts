/**
 * $validate (resource-operation-validate.html): POST [base]/[type]/$validate and
 * POST|GET [base]/[type]/[id]/$validate. The resource comes as the body, or in a Parameters
 * body as `resource`; `mode` (create, update, delete) and `profile` come from the query or
 * from Parameters. The answer is always an OperationOutcome (200): every issue found, or
 * one informational issue saying there were none. It validates whatever VALIDATION says
 * for writes, and stores nothing.
 */
import type { OperationOutcome, Parameters, Resource } from 'fhir/r4.js';
import { FhirError } from '../fhir/errors.js';
import { assertValidId } from '../fhir/ids.js';
import { informationOutcome, outcomeOf } from '../fhir/operation-outcome.js';
import { assertResource } from '../fhir/resource-body.js';
import { resourceOf } from '../services/stored-document.js';
import { outcomeIssue } from '../validation/issue.js';
import { withNormalizedIdentifiers } from '../validation/normalize-identifiers.js';
import type { FhirRequest, FhirResponse } from '../http/fhir-request.js';
import type { ServerContext } from '../http/server-context.js';

const MODES = new Set(['create', 'update', 'delete']);

interface ValidateInput {
  resource?: unknown;
  mode?: string;
  profile?: string;
}

function fromParameters(body: Parameters): ValidateInput {
  const named = (name: string) => body.parameter?.find((p) => p.name === name);
  return { resource: named('resource')?.resource, mode: named('mode')?.valueCode, profile: named('profile')?.valueUri ?? named('profile')?.valueCanonical };
}

function inputOf(request: FhirRequest): ValidateInput {
  const body = request.body as { resourceType?: unknown } | undefined;
  const given = body?.resourceType === 'Parameters' && request.type !== 'Parameters' ? fromParameters(body as Parameters) : { resource: body };
  const mode = given.mode ?? request.query.get('mode') ?? undefined;
  if (mode !== undefined && !MODES.has(mode)) throw new FhirError('FHIR_ERR_PARAM_INVALID', ['mode', `${mode.slice(0, 40)} (create, update or delete)`]);
  return { ...given, mode, profile: given.profile ?? request.query.get('profile') ?? undefined };
}

/** The resource to check: the one sent, else (instance level) the one stored. */
async function resourceToCheck(request: FhirRequest, input: ValidateInput, context: ServerContext): Promise<Resource> {
  if (input.resource !== undefined) return assertResource(input.resource, request.type);
  if (request.id === undefined) throw new FhirError('FHIR_ERR_BODY_MISSING');
  return resourceOf(await context.repository.read(request.type!, request.id));
}

function checkUpdateIdentity(request: FhirRequest, resource: Resource): void {
  const id = request.id ?? resource.id;
  if (id === undefined) throw new FhirError('FHIR_ERR_ID_MISSING');
  if (request.id !== undefined && resource.id !== undefined && resource.id !== request.id) {
    throw new FhirError('FHIR_ERR_ID_MISMATCH', [resource.id, request.id]);
  }
}

export async function validate(request: FhirRequest, context: ServerContext): Promise<FhirResponse> {
  if (request.id !== undefined) assertValidId(request.id);
  const input = inputOf(request);
  if (input.mode === 'delete') {
    if (request.id === undefined) throw new FhirError('FHIR_ERR_PARAM_INVALID', ['mode', 'delete needs an instance ([type]/[id]/$validate)']);
    await context.repository.read(request.type!, request.id);
    return { status: 200, body: informationOutcome(`${request.type}/${request.id} can be deleted`) };
  }
  const resource = withNormalizedIdentifiers(await resourceToCheck(request, input, context));
  if (input.mode === 'update') checkUpdateIdentity(request, resource);
  const asked = input.profile ? [input.profile] : [];
  await context.validator.loadProfiles([...context.validator.profilesOf(resource, asked)]);
  const issues = context.validator.issues(resource, asked);
  const body: OperationOutcome = issues.length > 0 ? outcomeOf(issues.map(outcomeIssue)) : informationOutcome('No issues found');
  return { status: 200, body };
}
