/**
 * $verify on Bundles: POST [base]/Bundle/$verify with the Bundle as the body (or in Parameters as
 * `resource`), and GET|POST [base]/Bundle/[id]/$verify on a stored one. It answers 200 with a
 * Parameters report whatever the verdict: valid, the format, the signer's certificate, the chain
 * status and path, the signing time and whether every certificate was valid then, and an
 * OperationOutcome listing each problem.
 */
import type { Bundle, OperationOutcome, Parameters, ParametersParameter } from 'fhir/r4.js';
import { createHash, type X509Certificate } from 'node:crypto';
import { FhirError } from '../fhir/errors.js';
import { assertValidId } from '../fhir/ids.js';
import { informationOutcome, leadIssue, outcomeOf } from '../fhir/operation-outcome.js';
import { assertResource } from '../fhir/resource-body.js';
import { nameLine } from '../services/signing/certificate-chain.js';
import { SIG_FORMATS } from '../services/signing/bundle-signature.js';
import type { SignatureVerification } from '../services/signing/signature-verification.js';
import { resourceOf } from '../services/stored-document.js';
import type { FhirRequest, FhirResponse } from '../http/fhir-request.js';
import type { ServerContext } from '../http/server-context.js';

export function assertBundleType(request: FhirRequest, operation: string): void {
  if (request.type !== 'Bundle') throw new FhirError('FHIR_ERR_TYPE_OPERATION_UNKNOWN', [operation, request.type!.slice(0, 64)]);
}

/** The Bundle to verify: the one sent, else (instance level) the one stored. */
export async function bundleOfRequest(request: FhirRequest, context: ServerContext): Promise<Bundle> {
  const body = request.body as { resourceType?: unknown } | undefined;
  if (request.id !== undefined && body === undefined) {
    assertValidId(request.id);
    return resourceOf(await context.repository.read('Bundle', request.id)) as Bundle;
  }
  if (body?.resourceType === 'Parameters') {
    const resource = (body as Parameters).parameter?.find((p) => p.name === 'resource')?.resource;
    return assertResource(resource ?? null, 'Bundle') as Bundle;
  }
  if (body === undefined) throw new FhirError('FHIR_ERR_BODY_MISSING');
  return assertResource(body, 'Bundle') as Bundle;
}

function certificateParts(certificate: X509Certificate): ParametersParameter[] {
  return [
    { name: 'subject', valueString: nameLine(certificate.subject) },
    { name: 'issuer', valueString: nameLine(certificate.issuer) },
    { name: 'serialNumber', valueString: certificate.serialNumber },
    { name: 'sha256Fingerprint', valueString: createHash('sha256').update(certificate.raw).digest('hex') },
    { name: 'validFrom', valueInstant: new Date(certificate.validFrom).toISOString() },
    { name: 'validTo', valueInstant: new Date(certificate.validTo).toISOString() },
  ];
}

function outcomeOfVerification(verification: SignatureVerification): OperationOutcome {
  if (verification.valid) return informationOutcome('The signature is valid: it verifies over the Bundle content and the signer\'s certificate chains to a trusted CA, valid at the signing time');
  return outcomeOf(verification.problems.map(leadIssue));
}

export function verificationReport(verification: SignatureVerification): Parameters {
  const parameter: ParametersParameter[] = [{ name: 'valid', valueBoolean: verification.valid }];
  if (verification.format) parameter.push({ name: 'format', valueCode: SIG_FORMATS[verification.format] });
  if (verification.when) parameter.push({ name: 'when', valueInstant: verification.when.toISOString() });
  if (verification.signer) parameter.push({ name: 'signer', part: certificateParts(verification.signer) });
  if (verification.chain) {
    parameter.push({ name: 'chainStatus', valueCode: verification.chain.status });
    parameter.push(...verification.chain.path.map((certificate) => ({ name: 'chain', valueString: nameLine(certificate.subject) })));
    parameter.push({ name: 'validAtSigningTime', valueBoolean: verification.chain.notValidAtSigningTime === undefined });
  }
  parameter.push({ name: 'outcome', resource: outcomeOfVerification(verification) });
  return { resourceType: 'Parameters', parameter };
}

export async function verify(request: FhirRequest, context: ServerContext): Promise<FhirResponse> {
  assertBundleType(request, '$verify');
  const bundle = await bundleOfRequest(request, context);
  return { status: 200, body: verificationReport(context.signing.verify(bundle)) };
}
