import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { KeyObject, X509Certificate } from 'node:crypto';

const CURVE_NAMES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** "RSA 2048 bits", "ECDSA P-256". */
export function keyDescription(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return `RSA ${details.modulusLength} bits`;
  if (key.asymmetricKeyType === 'ec') return `ECDSA ${CURVE_NAMES[details.namedCurve ?? ''] ?? details.namedCurve}`;
  return String(key.asymmetricKeyType);
}

/** The lines describing a certificate: subject, issuer, serial, validity, key, SHA-256 fingerprint. */
export function certificateSummary(certificate: X509Certificate): string[] {
  // @peculiar/x509 writes names on one line, "CN=..., O=..., C=RU"; node:crypto puts one attribute a line
  const parsed = new x509.X509Certificate(certificate.raw);
  return [
    `Subject:     ${parsed.subject}`,
    `Issuer:      ${parsed.issuer}`,
    `Serial:      ${certificate.serialNumber}`,
    `Valid from:  ${new Date(certificate.validFrom).toISOString()}`,
    `Valid until: ${new Date(certificate.validTo).toISOString()}`,
    `Key:         ${keyDescription(certificate.publicKey)}`,
    `SHA-256:     ${certificate.fingerprint256}`,
  ];
}
