import type { KeyObject, X509Certificate } from 'node:crypto';
import type { SigningSettings } from '../../config.js';
import { loadPemKeyMaterial } from './pem-key-material.js';
import { loadPkcs12KeyMaterial } from './pkcs12-key-material.js';
import { SigningSetupError } from './signing-setup-error.js';

/** A private key with its certificate chain, the key's own certificate first. */
export interface KeyMaterial {
  privateKey: KeyObject;
  chain: X509Certificate[];
}

/** The configured key and chain: SIGNING_P12_FILE, or SIGNING_KEY_FILE with SIGNING_CERT_FILE. */
export function loadSigningKeyMaterial(settings: SigningSettings): KeyMaterial {
  if (settings.p12File) return loadPkcs12KeyMaterial(settings.p12File, settings.password);
  if (settings.keyFile && settings.certFile) return loadPemKeyMaterial(settings.keyFile, settings.certFile, settings.password);
  throw new SigningSetupError('No signing key is configured: set SIGNING_P12_FILE, or SIGNING_KEY_FILE with SIGNING_CERT_FILE');
}
