import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import type { X509Certificate } from 'node:crypto';
import { dirname, join } from 'node:path';
import { generateKeyPair, issueCertificate } from './certificate-builder.js';
import type { KeyMaterial } from './key-material.js';
import { loadPemKeyMaterial } from './pem-key-material.js';

export const DEVELOPMENT_SUBJECT = 'CN=EGISZ FHIR development signer';
const VALID_YEARS = 2;
/** Backdated a little, so a peer whose clock is slightly behind does not see a certificate from the future. */
const BACKDATE_MS = 60 * 60 * 1000;

/** The self-signed identity the server signs with when no key is configured, and where it lives. */
export interface DevelopmentIdentity extends KeyMaterial {
  /** True when it was made by this call, false when an earlier one was reused. */
  created: boolean;
  /** <dataDir>/signing */
  directory: string;
}

function filesIn(directory: string) {
  return { keyFile: join(directory, 'development-key.pem'), certFile: join(directory, 'development-certificate.pem') };
}

/** Written beside and renamed into place, the certificate last: a half-written identity is never reused. */
function writeInPlace(file: string, content: string, mode: number): void {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, content, { mode });
  renameSync(partial, file);
}

async function createIdentity(directory: string): Promise<KeyMaterial> {
  const keys = await generateKeyPair('ec');
  const notBefore = new Date(Date.now() - BACKDATE_MS);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALID_YEARS);
  const certificate = await issueCertificate({ subject: DEVELOPMENT_SUBJECT, keys, notBefore, notAfter });
  const { keyFile, certFile } = filesIn(directory);
  mkdirSync(dirname(directory), { recursive: true });
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  writeInPlace(keyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
  writeInPlace(certFile, certificate.toString(), 0o644);
  return { privateKey: keys.privateKey, chain: [certificate] };
}

function expired(certificate: X509Certificate): boolean {
  return new Date(certificate.validTo).getTime() <= Date.now();
}

/**
 * The development identity of a server without a configured key: an ECDSA P-256 key and a
 * self-signed certificate in <dataDir>/signing, made on first use and reused afterwards (made anew
 * once the certificate has expired). A pair that is there but unreadable is an error, not replaced.
 */
export async function developmentIdentity(dataDir: string): Promise<DevelopmentIdentity> {
  const directory = join(dataDir, 'signing');
  const { keyFile, certFile } = filesIn(directory);
  if (existsSync(keyFile) && existsSync(certFile)) {
    const existing = loadPemKeyMaterial(keyFile, certFile, undefined);
    if (!expired(existing.chain[0]!)) return { ...existing, created: false, directory };
  }
  return { ...(await createIdentity(directory)), created: true, directory };
}
