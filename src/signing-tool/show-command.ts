import { loadConfig } from '../config.js';
import { loadSigningIdentity, type SigningIdentity } from '../services/signing/signing-identity.js';
import { loadTrustStore } from '../services/signing/trust-store.js';
import { certificateSummary } from './certificate-summary.js';

function sourceLine(identity: SigningIdentity): string {
  if (identity.source === 'configured') return `Configured signing certificate (${identity.location})`;
  const made = identity.created ? 'made just now' : 'made earlier';
  return `Development identity in ${identity.location} (${made}; self-signed, not for production: set SIGNING_P12_FILE or SIGNING_KEY_FILE with SIGNING_CERT_FILE)`;
}

function trustStoreLine(paths: string[]): string {
  if (paths.length === 0) return 'Trust store:  none configured (SIGNING_TRUST_STORE)';
  return `Trust store:  ${loadTrustStore(paths).length} certificate(s) from ${paths.join(', ')}`;
}

/** `show`: the certificate the server signs with, read from the server's own settings, and its chain in PEM. */
export async function showSigningCertificate(env: NodeJS.ProcessEnv): Promise<string> {
  const config = loadConfig(env);
  const identity = await loadSigningIdentity(config.signing, config.dataDir);
  const { chain, algorithm } = identity.signer;
  return [
    sourceLine(identity),
    ...certificateSummary(chain[0]!).map((line) => `  ${line}`),
    `  Signs with:  ${algorithm.jws}`,
    trustStoreLine(config.signing.trustStore),
    '',
    `Chain (${chain.length} certificate${chain.length === 1 ? '' : 's'}, signer first):`,
    ...chain.map((certificate) => certificate.toString().trim()),
    '',
  ].join('\n');
}
