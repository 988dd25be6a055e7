import { createPrivateKey, type KeyObject } from 'node:crypto';
import { certificatesIn } from './certificate-file.js';
import type { KeyMaterial } from './key-material.js';
import { signerFirst } from './signer-chain.js';
import { SigningSetupError, readSetupFile } from './signing-setup-error.js';

const PRIVATE_KEY_BLOCK = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;
/** Encrypted PKCS#8, or a traditional (PKCS#1/SEC1) key encrypted the old OpenSSL way. */
const ENCRYPTED = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/;

/**
 * The private key of a PEM file: PKCS#8, PKCS#1 (RSA PRIVATE KEY), SEC1 (EC PRIVATE KEY), or
 * encrypted PKCS#8 opened with `password`.
 */
export function readPrivateKeyFile(file: string, password: string | undefined): KeyObject {
  const text = readSetupFile(file, 'the signing key file').toString('utf8');
  if (!PRIVATE_KEY_BLOCK.test(text)) throw new SigningSetupError(`${file} holds no PEM private key (PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY or ENCRYPTED PRIVATE KEY)`);
  const encrypted = ENCRYPTED.test(text);
  if (encrypted && !password) throw new SigningSetupError(`The private key in ${file} is encrypted: set SIGNING_KEY_PASSWORD`);
  try {
    return createPrivateKey({ key: text, format: 'pem', passphrase: encrypted ? password : undefined });
  } catch (err) {
    if (encrypted) throw new SigningSetupError(`Cannot decrypt the private key in ${file}: wrong password (SIGNING_KEY_PASSWORD)`);
    throw new SigningSetupError(`Cannot read the private key in ${file}: ${(err as Error).message}`);
  }
}

/** SIGNING_KEY_FILE and SIGNING_CERT_FILE: a PEM key and the PEM chain of its certificate, in any order. */
export function loadPemKeyMaterial(keyFile: string, certFile: string, password: string | undefined): KeyMaterial {
  const privateKey = readPrivateKeyFile(keyFile, password);
  const certificates = certificatesIn(readSetupFile(certFile, 'the signing certificate file'), certFile);
  if (certificates.length === 0) throw new SigningSetupError(`${certFile} holds no PEM certificate`);
  const chain = signerFirst(privateKey, certificates);
  if (!chain) throw new SigningSetupError(`No certificate in ${certFile} belongs to the private key in ${keyFile}`);
  return { privateKey, chain };
}
