import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { DEV_ALGORITHM, loadDevSigningKey } from './dev-key-files.js';
import type { MintRequest } from './options.js';
import { DEV_ROLES } from './roles.js';

/** The launch context claims of a request: `patient` as an id, `organization` as a reference. */
function contextClaims(request: MintRequest): Record<string, string> {
  const claims: Record<string, string> = {};
  if (request.patient) claims.patient = request.patient;
  if (request.organization) claims.organization = `Organization/${request.organization}`;
  return claims;
}

/** `mint`: a signed access token for a development role, the JWT alone on one line. */
export async function mintDevToken(request: MintRequest): Promise<string> {
  const { privateKey, kid } = await loadDevSigningKey(request.dir);
  const token = await new SignJWT({ client_id: request.client, scope: DEV_ROLES[request.role].scope, ...contextClaims(request) })
    .setProtectedHeader({ alg: DEV_ALGORITHM, kid, typ: 'JWT' })
    .setIssuer(request.issuer)
    .setAudience(request.audience)
    .setSubject(request.client)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${request.ttlSeconds}s`)
    .sign(privateKey);
  return `${token}\n`;
}
