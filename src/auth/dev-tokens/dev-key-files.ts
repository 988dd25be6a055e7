/** The development issuer's key on disk: a private PKCS#8 PEM (mode 0600) and the public JWKS the server reads. */
import { createPublicKey } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { calculateJwkThumbprint, exportPKCS8, generateKeyPair, importPKCS8, type JWK } from 'jose';

export const DEV_ALGORITHM = 'ES256';

/** A missing or unreadable key: the reason on one line, exit code 1. */
export class DevKeyError extends Error {}

export interface DevKeyPaths {
  jwksFile: string;
  privateKeyFile: string;
}

export interface DevSigningKey {
  privateKey: Awaited<ReturnType<typeof importPKCS8>>;
  kid: string;
}

export function devKeyPaths(dir: string): DevKeyPaths {
  return { jwksFile: resolve(join(dir, 'dev-jwks.json')), privateKeyFile: resolve(join(dir, 'dev-private-key.pem')) };
}

/** The public half of the key as a JWK with kid (its RFC 7638 thumbprint), alg and use. */
async function publicJwkOf(privatePem: string): Promise<JWK> {
  const jwk = createPublicKey(privatePem).export({ format: 'jwk' }) as JWK;
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: DEV_ALGORITHM, use: 'sig' };
}

async function existingPem(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DevKeyError(`Cannot read ${file}: ${(err as Error).message}`);
  }
}

async function newPrivateKeyPem(file: string): Promise<string> {
  const { privateKey } = await generateKeyPair(DEV_ALGORITHM, { extractable: true });
  const pem = await exportPKCS8(privateKey);
  await writeFile(file, pem, { mode: 0o600, flag: 'wx' });
  return pem;
}

/** Makes the key unless `dir` has one, and (re)writes the public JWKS from it. */
export async function ensureDevKey(dir: string): Promise<DevKeyPaths & { created: boolean; kid: string }> {
  const paths = devKeyPaths(dir);
  await mkdir(dir, { recursive: true });
  const existing = await existingPem(paths.privateKeyFile);
  const pem = existing ?? (await newPrivateKeyPem(paths.privateKeyFile));
  const jwk = await publicJwkOf(pem);
  await writeFile(paths.jwksFile, `${JSON.stringify({ keys: [jwk] }, null, 2)}\n`);
  return { ...paths, created: existing === undefined, kid: jwk.kid! };
}

/** The private key `init` wrote into `dir`, ready to sign. */
export async function loadDevSigningKey(dir: string): Promise<DevSigningKey> {
  const { privateKeyFile } = devKeyPaths(dir);
  const pem = await existingPem(privateKeyFile);
  if (pem === undefined) throw new DevKeyError(`No development key at ${privateKeyFile}: run \`npm run token -- init\` first (with the same --dir)`);
  try {
    return { privateKey: await importPKCS8(pem, DEV_ALGORITHM), kid: (await publicJwkOf(pem)).kid! };
  } catch (err) {
    throw new DevKeyError(`${privateKeyFile} is not an ECDSA P-256 private key in PKCS#8 PEM: ${(err as Error).message}`);
  }
}
