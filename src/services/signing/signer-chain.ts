import type { KeyObject, X509Certificate } from 'node:crypto';
import { signedBy } from './certificate-chain.js';
import { distinctCertificates } from './certificate-file.js';

function issuerAmong(certificate: X509Certificate, candidates: X509Certificate[]): X509Certificate | undefined {
  return candidates.find((candidate) => signedBy(certificate, candidate));
}

/**
 * The chain as a signer presents it: the certificate of `privateKey` first, then its issuer, that
 * one's issuer and so on as far as the certificates go, then any others in their given order.
 * Undefined when no certificate belongs to the key.
 */
export function signerFirst(privateKey: KeyObject, certificates: X509Certificate[]): X509Certificate[] | undefined {
  const rest = distinctCertificates(certificates);
  const signer = rest.find((certificate) => certificate.checkPrivateKey(privateKey));
  if (!signer) return undefined;
  const chain = [signer];
  rest.splice(rest.indexOf(signer), 1);
  for (let issuer = issuerAmong(signer, rest); issuer; issuer = issuerAmong(issuer, rest)) {
    chain.push(issuer);
    rest.splice(rest.indexOf(issuer), 1);
  }
  return [...chain, ...rest];
}
