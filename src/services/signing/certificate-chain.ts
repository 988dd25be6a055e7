/**
 * Does a signer's certificate lead to a trusted CA, and was every certificate on the way valid
 * when the signature was made? The path is built from the certificates the signature carries,
 * each link checked by issuer name and by the issuer's signature over it; every issuer must be a CA.
 * Validity is checked for the whole path at the signing time (the shell model).
 */
import type { X509Certificate } from 'node:crypto';

const MAX_PATH_LENGTH = 8;

export type ChainStatus = 'trusted' | 'untrusted';

export interface ChainCheck {
  status: ChainStatus;
  /** Signer first; ends with the trust anchor when trusted. */
  path: X509Certificate[];
  /** Why the chain is not trusted. */
  untrustedBecause?: string;
  /** The first certificate on the path not valid at the signing time. */
  notValidAtSigningTime?: X509Certificate;
}

/** Whether `issuer` issued `subject`: by name, and by its signature over the certificate. */
export function signedBy(subject: X509Certificate, issuer: X509Certificate): boolean {
  return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
}

function issues(issuer: X509Certificate, subject: X509Certificate): boolean {
  return issuer.ca && signedBy(subject, issuer);
}

function sameCertificate(a: X509Certificate, b: X509Certificate): boolean {
  return a.raw.equals(b.raw);
}

function isSelfSigned(certificate: X509Certificate): boolean {
  return signedBy(certificate, certificate);
}

export function validAt(certificate: X509Certificate, time: Date): boolean {
  return new Date(certificate.validFrom) <= time && time <= new Date(certificate.validTo);
}

function firstInvalidAt(path: X509Certificate[], time: Date): X509Certificate | undefined {
  return path.find((certificate) => !validAt(certificate, time));
}

function untrusted(path: X509Certificate[], reason: string, time: Date): ChainCheck {
  return { status: 'untrusted', path, untrustedBecause: reason, notValidAtSigningTime: firstInvalidAt(path, time) };
}

/** node:crypto writes a distinguished name one attribute per line; messages want one line. */
export function nameLine(name: string): string {
  return name.split('\n').join(', ');
}

export function checkChain(signer: X509Certificate, carried: readonly X509Certificate[], anchors: readonly X509Certificate[], signingTime: Date): ChainCheck {
  const path = [signer];
  for (let current = signer; path.length <= MAX_PATH_LENGTH; ) {
    if (anchors.some((anchor) => sameCertificate(anchor, current))) return { status: 'trusted', path, notValidAtSigningTime: firstInvalidAt(path, signingTime) };
    const anchor = anchors.find((candidate) => issues(candidate, current));
    if (anchor) {
      path.push(anchor);
      return { status: 'trusted', path, notValidAtSigningTime: firstInvalidAt(path, signingTime) };
    }
    if (isSelfSigned(current)) return untrusted(path, `${nameLine(current.subject)} is a self-signed certificate that is not in the trust store`, signingTime);
    const issuer = carried.find((candidate) => !path.some((seen) => sameCertificate(seen, candidate)) && issues(candidate, current));
    if (!issuer) return untrusted(path, `no trusted CA issued ${nameLine(current.subject)} (its issuer is ${nameLine(current.issuer)})`, signingTime);
    path.push(issuer);
    current = issuer;
  }
  return untrusted(path, `the certificate chain is longer than ${MAX_PATH_LENGTH}`, signingTime);
}
