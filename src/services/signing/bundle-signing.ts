import type { Bundle } from 'fhir/r4.js';
import type { X509Certificate } from 'node:crypto';
import type { SigningSettings } from '../../config.js';
import { FhirError } from '../../fhir/errors.js';
import { signBundle, type SignatureFormat, type SigningOptions } from './bundle-signature.js';
import { requiredSignatureReason } from './signature-policy.js';
import { verifyBundleSignature, type SignatureVerification } from './signature-verification.js';
import type { Signer } from './signer.js';

/** The server's signing: its signer, the CA certificates it trusts, and its policy for incoming bundles. */
export class BundleSigning {
  constructor(
    readonly signer: Signer,
    readonly trustAnchors: readonly X509Certificate[],
    private readonly settings: SigningSettings,
  ) {}

  get defaultFormat(): SignatureFormat {
    return this.settings.format;
  }

  /** Signs a Bundle the server issues; one that already carries a signature is refused (R4 allows one). */
  sign(bundle: Bundle, what: string, options: Partial<SigningOptions> = {}): Bundle {
    if (bundle.signature) throw new FhirError('FHIR_ERR_ALREADY_SIGNED', [what, bundle.signature.sigFormat ?? 'signature']);
    return signBundle(bundle, this.signer, { format: this.settings.format, ...options });
  }

  verify(bundle: Bundle): SignatureVerification {
    return verifyBundleSignature(bundle, this.trustAnchors);
  }

  /** The signature policy: an unsigned Bundle of a type, or from a client, it names is refused. */
  assertPolicy(bundle: Bundle, clientId: string | undefined): void {
    if (bundle.signature) return;
    const reason = requiredSignatureReason(this.settings, bundle.type, clientId);
    if (reason) throw new FhirError('FHIR_ERR_SIGNATURE_REQUIRED', [bundle.type, reason], ['Bundle.signature']);
  }

  /** The verification of the signature a Bundle carries (undefined when it carries none); a bad one throws its first problem. */
  checkSignature(bundle: Bundle): SignatureVerification | undefined {
    if (!bundle.signature) return undefined;
    const verification = this.verify(bundle);
    if (!verification.valid) throw verification.problems[0]!;
    return verification;
  }

  /** A Bundle arriving to be processed or stored: the policy, then its signature, before anything is written. */
  checkIncoming(bundle: Bundle, clientId: string | undefined): SignatureVerification | undefined {
    this.assertPolicy(bundle, clientId);
    return this.checkSignature(bundle);
  }
}
