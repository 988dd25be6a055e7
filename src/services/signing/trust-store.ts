import { readdirSync, statSync, type Stats } from 'node:fs';
import type { X509Certificate } from 'node:crypto';
import { extname, join } from 'node:path';
import { certificatesIn, distinctCertificates } from './certificate-file.js';
import { SigningSetupError, readFailure, readSetupFile } from './signing-setup-error.js';

const CERTIFICATE_EXTENSIONS = ['.pem', '.crt', '.cer'];

function statOf(path: string): Stats {
  try {
    return statSync(path);
  } catch (err) {
    throw new SigningSetupError(`Cannot read the trust store ${path}: ${readFailure(err)}`);
  }
}

function certificateFilesIn(directory: string): string[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch (err) {
    throw new SigningSetupError(`Cannot read the trust store directory ${directory}: ${readFailure(err)}`);
  }
  const files = names.filter((name) => CERTIFICATE_EXTENSIONS.includes(extname(name).toLowerCase())).sort().map((name) => join(directory, name));
  if (files.length === 0) throw new SigningSetupError(`The trust store directory ${directory} holds no ${CERTIFICATE_EXTENSIONS.join('/')} file`);
  return files;
}

function certificatesOfFile(file: string): X509Certificate[] {
  const certificates = certificatesIn(readSetupFile(file, 'the trust store file'), file);
  if (certificates.length === 0) throw new SigningSetupError(`The trust store file ${file} holds no certificate (PEM or DER)`);
  return certificates;
}

/**
 * SIGNING_TRUST_STORE: the CA certificates signatures are checked against. Each path is a file
 * (PEM with one or more certificates, or one DER certificate) or a directory of .pem/.crt/.cer
 * files; a path that cannot be read or a file without a certificate stops the start.
 */
export function loadTrustStore(paths: string[]): X509Certificate[] {
  const files = paths.flatMap((path) => (statOf(path).isDirectory() ? certificateFilesIn(path) : [path]));
  return distinctCertificates(files.flatMap(certificatesOfFile));
}
