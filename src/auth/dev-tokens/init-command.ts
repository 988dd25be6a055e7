import { DEFAULT_ISSUER } from './options.js';
import { ensureDevKey } from './dev-key-files.js';

/** `init`: the development key and its public key set, with the server settings that trust it. */
export async function initDevKey(dir: string): Promise<string> {
  const key = await ensureDevKey(dir);
  const made = key.created
    ? `Wrote a new ES256 private key to ${key.privateKeyFile} (PKCS#8 PEM, mode 0600)`
    : `Kept the existing private key ${key.privateKeyFile}`;
  return `${made}
Wrote its public key set (kid ${key.kid}) to ${key.jwksFile}
Run the server with: AUTH=on AUTH_JWKS_FILE=${key.jwksFile} AUTH_ISSUER=${DEFAULT_ISSUER}
`;
}
