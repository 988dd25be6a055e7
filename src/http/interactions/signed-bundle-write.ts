import type { Bundle } from 'fhir/r4.js';
import type { Repository, WriteResult } from '../../services/repository.js';
import { signerProvenance } from '../../services/signing/signer-provenance.js';
import { SessionBoundStore } from '../../store/session-bound-store.js';
import { clientIdOf } from '../client-identity.js';
import type { FhirRequest } from '../fhir-request.js';
import type { ServerContext } from '../server-context.js';

function bundleBody(request: FhirRequest): Bundle | undefined {
  const body = request.body as Bundle | undefined;
  return request.type === 'Bundle' && typeof body === 'object' && body !== null && body.resourceType === 'Bundle' ? body : undefined;
}

/**
 * A write of a resource. The repository verifies the signature a Bundle (a document, say) carries
 * before anything is written; here the signature policy is applied first, and the verified signer
 * is recorded by a Provenance in the same transaction as the write.
 */
export async function writeCheckingSignature(request: FhirRequest, context: ServerContext, write: (repository: Repository) => Promise<WriteResult>): Promise<WriteResult> {
  const bundle = bundleBody(request);
  if (bundle) context.signing.assertPolicy(bundle, clientIdOf(request));
  if (!bundle?.signature) return write(context.repository);
  return context.store.withTransaction(async (session) => {
    const repository = context.repository.withStore(new SessionBoundStore(context.store, session));
    const result = await write(repository);
    const provenance = result.signature ? signerProvenance(bundle, result.signature, [result.version], new Date()) : undefined;
    if (provenance) await repository.create(provenance, 'Provenance');
    return result;
  });
}
