import { X509Certificate } from 'node:crypto';
import { SigningSetupError } from './signing-setup-error.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function certificateOf(encoded: string | Buffer, file: string, position: string): X509Certificate {
  try {
    return new X509Certificate(encoded);
  } catch (err) {
    throw new SigningSetupError(`${file}: the ${position} is not a valid X.509 certificate (${(err as Error).message})`);
  }
}

/**
 * The certificates of a file: every PEM CERTIFICATE block in it, or the file itself when it is
 * one DER certificate. An empty list means the file holds none.
 */
export function certificatesIn(content: Buffer, file: string): X509Certificate[] {
  const text = content.toString('latin1');
  if (text.includes('-----BEGIN ')) {
    return [...text.matchAll(PEM_CERTIFICATE)].map((match, index) => certificateOf(match[0], file, `certificate #${index + 1}`));
  }
  if (content.length === 0 || content[0] !== 0x30) return [];
  return [certificateOf(content, file, 'DER content')];
}

/** The certificates without repeats (same SHA-256 fingerprint), first occurrence kept. */
export function distinctCertificates(certificates: X509Certificate[]): X509Certificate[] {
  const seen = new Set<string>();
  return certificates.filter((certificate) => !seen.has(certificate.fingerprint256) && seen.add(certificate.fingerprint256));
}
