import type { Bundle, Provenance, Reference } from 'fhir/r4.js';
import type { Version } from '../stored-document.js';
import { nameLine } from './certificate-chain.js';
import type { SignatureVerification } from './signature-verification.js';

const PARTICIPANT_TYPES = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';

/** Signature.who as the agent; a reference into the Bundle itself (urn:uuid:) means nothing once stored. */
function agentOf(who: Reference | undefined, subject: string): Reference {
  if (who && !who.reference?.startsWith('urn:')) return who;
  return { ...(who?.identifier ? { identifier: who.identifier } : {}), display: who?.display ?? subject };
}

/**
 * The record of who signed what arrived: a Provenance whose targets are the versions the signed
 * Bundle wrote, whose agent is the verified signer, and which keeps the signature itself.
 */
export function signerProvenance(bundle: Bundle, verification: SignatureVerification, written: readonly Version[], recorded: Date): Provenance | undefined {
  const targets = written.filter((version) => !version.deleted);
  if (targets.length === 0 || !bundle.signature) return undefined;
  const subject = verification.signer ? nameLine(verification.signer.subject) : 'unknown signer';
  return {
    resourceType: 'Provenance',
    target: targets.map((version) => ({ reference: `${version.type}/${version.id}/_history/${version.versionId}` })),
    recorded: recorded.toISOString(),
    agent: [{
      type: { coding: [{ system: PARTICIPANT_TYPES, code: 'author', display: 'Author' }] },
      who: agentOf(bundle.signature.who, subject),
    }],
    entity: [{ role: 'source', what: { ...(bundle.identifier ? { identifier: bundle.identifier } : {}), display: `${bundle.type} Bundle signed by ${subject}` } }],
    signature: [bundle.signature],
  };
}
