/**
 * A token issuer for tests: a real ES256 key, its JWKS in a temporary file, and real signed JWTs;
 * `authSettings` is what a test server is started with to trust it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { AuthSettings } from '../../src/auth/auth-settings.js';
import { client } from './fhir-client.js';

export const TEST_ISSUER = 'urn:test:idp';
export const TEST_AUDIENCE = 'https://fhir.test.example/fhir';

export interface TestIssuer {
  authSettings: AuthSettings;
  /** A JWT with `scope` and any other claims (client_id defaults to test-client). */
  token(scope: string, claims?: Record<string, unknown>, options?: { audience?: string; expires?: string | Date }): Promise<string>;
  remove(): void;
}

export async function testIssuer(): Promise<TestIssuer> {
  const keyDir = mkdtempSync(join(tmpdir(), 'auth-'));
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwksFile = join(keyDir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] }));
  return {
    authSettings: { mode: 'on', jwksFile, issuer: TEST_ISSUER, audience: TEST_AUDIENCE, clockSkewSeconds: 60 },
    token: (scope, claims = {}, { audience = TEST_AUDIENCE, expires = '5m' } = {}) => new SignJWT({ scope, client_id: 'test-client', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(TEST_ISSUER).setAudience(audience).setIssuedAt().setExpirationTime(expires)
      .sign(privateKey),
    remove: () => rmSync(keyDir, { recursive: true, force: true }),
  };
}

/** A client of `base` that sends `bearer` with every request. */
export function clientWithToken(base: string, bearer: string) {
  const fhir = client(base);
  const headers = { authorization: `Bearer ${bearer}` };
  return {
    get: (path: string) => fhir.get(path, { headers }),
    post: (path: string, body: unknown) => fhir.post(path, body, { headers }),
    put: (path: string, body: unknown) => fhir.put(path, body, { headers }),
    patch: (path: string, body: unknown) => fhir.patch(path, body, { headers: { ...headers, 'content-type': 'application/json-patch+json' } }),
    delete: (path: string) => fhir.delete(path, { headers }),
  };
}
