/** TokenVerifier with real keys: a JWKS file, a JWKS served over local HTTP, each way a token is refused, the skew edges and the claims. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import t, { type Test } from 'tap';
import { AuthenticationError, KeySetUnavailableError } from '../../src/auth/authentication-error.js';
import type { AuthSettings } from '../../src/auth/auth-settings.js';
import { TokenVerifier } from '../../src/auth/token-verifier.js';
import { ConfigError } from '../../src/config.js';

const ISSUER = 'https://idp.test/realms/egisz';
const AUDIENCE = 'http://localhost:8080/fhir';
/** A whole second, as JWT times are. */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const NOW_SECONDS = NOW.getTime() / 1000;
const clock = () => NOW;

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

interface SigningKey {
  pair: KeyPair;
  alg: string;
  kid?: string;
}

async function signingKey(alg: string, kid?: string): Promise<SigningKey> {
  return { pair: await generateKeyPair(alg, { extractable: true }), alg, kid };
}

async function publicJwk(key: SigningKey): Promise<JWK> {
  const jwk = await exportJWK(key.pair.publicKey);
  return key.kid ? { ...jwk, kid: key.kid, use: 'sig' } : jwk;
}

async function jwksOf(...keys: SigningKey[]): Promise<{ keys: JWK[] }> {
  return { keys: await Promise.all(keys.map(publicJwk)) };
}

const validClaims = (): JWTPayload => ({ iss: ISSUER, aud: AUDIENCE, iat: NOW_SECONDS - 10, exp: NOW_SECONDS + 300, client_id: 'lab-app', scope: 'system/Observation.cru' });

/** A JWT over `claims` (valid ones unless overridden; a key set to undefined is left out). */
function sign(key: SigningKey, overrides: JWTPayload = {}, header: { alg?: string; kid?: string } = {}): Promise<string> {
  const claims = Object.fromEntries(Object.entries({ ...validClaims(), ...overrides }).filter(([, value]) => value !== undefined));
  const protectedHeader = { alg: header.alg ?? key.alg, ...(header.kid ?? key.kid ? { kid: header.kid ?? key.kid } : {}) };
  return new SignJWT(claims).setProtectedHeader(protectedHeader).sign(key.pair.privateKey);
}

function scratchDirectory(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'fhir-auth-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function settings(overrides: Partial<AuthSettings>): AuthSettings {
  return { mode: 'on', issuer: ISSUER, clockSkewSeconds: 60, ...overrides };
}

async function fileVerifier(t: Test, jwks: unknown, overrides: Partial<AuthSettings> = {}): Promise<TokenVerifier> {
  const jwksFile = join(scratchDirectory(t), 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(jwks));
  return TokenVerifier.create(settings({ jwksFile, ...overrides }), AUDIENCE, clock);
}

/** The reason `verify` refused the header with, checking that the refusal never repeats the token. */
async function refusal(t: Test, verifier: TokenVerifier, authorization: string | undefined): Promise<string> {
  const err = await verifier.verify(authorization).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(err instanceof AuthenticationError)) {
    t.fail(`expected an AuthenticationError, got ${String(err)}`);
    return '';
  }
  const token = authorization?.split(' ')[1];
  if (token) t.notOk(err.message.includes(token) || err.wwwAuthenticate.includes(token), 'the token is not repeated');
  t.equal(err.wwwAuthenticate, `Bearer error="invalid_token", error_description="${err.reason}"`);
  return err.reason;
}

const rsa = await signingKey('RS256', 'rsa-1');
const ec = await signingKey('ES256', 'ec-1');

t.test('valid RS256 and ES256 tokens from the JWKS file', async (t) => {
  const verifier = await fileVerifier(t, await jwksOf(rsa, ec));
  const byRsa = await verifier.verify(`Bearer ${await sign(rsa)}`);
  t.equal(byRsa.clientId, 'lab-app');
  t.same(byRsa.scopes.map((scope) => scope.text), ['system/Observation.cru']);
  const byEc = await verifier.verify(`bearer ${await sign(ec, { client_id: 'clinic-app' })}`);
  t.equal(byEc.clientId, 'clinic-app', 'the scheme is case-insensitive');
});

t.test('claims: client identity, subject, scopes, patient, organization and expiry', async (t) => {
  const verifier = await fileVerifier(t, await jwksOf(ec));
  const client = await verifier.verify(
    `Bearer ${await sign(ec, { client_id: 'cabinet-app', azp: 'other', sub: 'user-7', scope: 'openid patient/*.rs patient/Subscription.cruds', patient: 'p1', organization: 'lab1' })}`,
  );
  t.equal(client.clientId, 'cabinet-app');
  t.equal(client.subject, 'user-7');
  t.equal(client.rawScope, 'openid patient/*.rs patient/Subscription.cruds');
  t.same(client.scopes.map((scope) => scope.text), ['patient/*.rs', 'patient/Subscription.cruds'], 'openid is ignored');
  t.equal(client.patient, 'p1');
  t.equal(client.organization, 'Organization/lab1', 'a bare id becomes a reference');
  t.same(client.expiresAt, new Date((NOW_SECONDS + 300) * 1000));

  const byReferences = await verifier.verify(`Bearer ${await sign(ec, { patient: 'Patient/p-2', organization: 'Organization/clinic.1' })}`);
  t.equal(byReferences.patient, 'p-2', 'a Patient reference becomes its id');
  t.equal(byReferences.organization, 'Organization/clinic.1');

  const byAzp = await verifier.verify(`Bearer ${await sign(ec, { client_id: undefined, azp: 'azp-app', sub: 'user-1' })}`);
  t.equal(byAzp.clientId, 'azp-app');
  const bySub = await verifier.verify(`Bearer ${await sign(ec, { client_id: undefined, sub: 'service-1', scope: undefined })}`);
  t.equal(bySub.clientId, 'service-1');
  t.equal(bySub.rawScope, '');
  t.same(bySub.scopes, []);
  t.equal(bySub.patient, undefined);
  t.equal(bySub.organization, undefined);

  const listed = await verifier.verify(`Bearer ${await sign(ec, { scope: ['user/Patient.r', 'user/Consent.c'] })}`);
  t.same(listed.scopes.map((scope) => scope.text), ['user/Patient.r', 'user/Consent.c'], 'a scope list is read as well');
});

t.test('claims a token cannot be used with are malformed', async (t) => {
  const verifier = await fileVerifier(t, await jwksOf(ec));
  t.equal(await refusal(t, verifier, `Bearer ${await sign(ec, { client_id: undefined })}`), 'malformed', 'no client_id, azp or sub');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(ec, { exp: undefined })}`), 'malformed', 'no exp');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(ec, { patient: 'Patient/' })}`), 'malformed');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(ec, { patient: 'Practitioner/x' })}`), 'malformed');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(ec, { organization: { reference: 'Organization/lab1' } })}`), 'malformed');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(ec, { scope: 42 })}`), 'malformed');
});

t.test('missing and malformed headers', async (t) => {
  const verifier = await fileVerifier(t, await jwksOf(ec));
  t.equal(await refusal(t, verifier, undefined), 'missing');
  t.equal(await refusal(t, verifier, ''), 'missing');
  t.equal(await refusal(t, verifier, 'Basic dXNlcjpwYXNz'), 'missing');
  t.equal(await refusal(t, verifier, 'Bearer'), 'malformed');
  t.equal(await refusal(t, verifier, 'Bearer first second'), 'malformed');
  t.equal(await refusal(t, verifier, 'Bearer not-a-jwt'), 'malformed');
  t.equal(await refusal(t, verifier, 'Bearer e30.e30.e30'), 'malformed');
});

t.test('each way a token itself is refused', async (t) => {
  const verifier = await fileVerifier(t, await jwksOf(rsa, ec));
  const [header, , signature] = (await sign(ec)).split('.');
  const forgedPayload = Buffer.from(JSON.stringify({ ...validClaims(), scope: 'system/*.cruds' })).toString('base64url');
  t.equal(await refusal(t, verifier, `Bearer ${header}.${forgedPayload}.${signature}`), 'bad signature', 'a changed payload');
  const impostor = await signingKey('ES256', 'ec-1');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(impostor)}`), 'bad signature', 'another key under a known kid');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(ec, { exp: NOW_SECONDS - 3600 })}`), 'expired');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(ec, { nbf: NOW_SECONDS + 600 })}`), 'not yet valid');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(ec, { iss: 'https://idp.test/realms/other' })}`), 'wrong issuer');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(ec, { iss: undefined })}`), 'wrong issuer', 'no issuer');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(ec, { aud: 'http://other.test/fhir' })}`), 'wrong audience');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(ec, { aud: undefined })}`), 'wrong audience', 'no audience');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(await signingKey('ES256', 'ec-unknown'))}`), 'unknown key');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(await signingKey('ES384', 'ec-1'))}`), 'algorithm not allowed', 'ES384');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(await signingKey('PS256', 'rsa-1'))}`), 'algorithm not allowed', 'PS256 with a listed RSA key');
  const hmac = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).sign(new TextEncoder().encode('a shared secret of thirty-two bytes'));
  t.equal(await refusal(t, verifier, `Bearer ${hmac}`), 'algorithm not allowed', 'HS256');
  const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(validClaims())).toString('base64url')}.`;
  t.equal(await refusal(t, verifier, `Bearer ${unsigned}`), 'algorithm not allowed', 'alg none');
});

t.test('the clock skew forgives exactly AUTH_CLOCK_SKEW seconds on exp and nbf', async (t) => {
  const verifier = await fileVerifier(t, await jwksOf(ec), { clockSkewSeconds: 60 });
  t.ok(await verifier.verify(`Bearer ${await sign(ec, { exp: NOW_SECONDS - 59 })}`), 'expired 59 s ago: accepted');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(ec, { exp: NOW_SECONDS - 60 })}`), 'expired', 'expired 60 s ago');
  t.ok(await verifier.verify(`Bearer ${await sign(ec, { nbf: NOW_SECONDS + 60 })}`), 'valid in 60 s: accepted');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(ec, { nbf: NOW_SECONDS + 61 })}`), 'not yet valid');

  const strict = await fileVerifier(t, await jwksOf(ec), { clockSkewSeconds: 0 });
  t.ok(await strict.verify(`Bearer ${await sign(ec, { exp: NOW_SECONDS + 1 })}`), 'one second left');
  t.equal(await refusal(t, strict, `Bearer ${await sign(ec, { exp: NOW_SECONDS })}`), 'expired', 'expiring now');
});

t.test('a token verified once is not checked again until it expires; then it is refused as expired', async (t) => {
  const jwksFile = join(scratchDirectory(t), 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(await jwksOf(ec)));
  let now = NOW;
  const verifier = await TokenVerifier.create(settings({ jwksFile, clockSkewSeconds: 60 }), AUDIENCE, () => now);
  const header = `Bearer ${await sign(ec, { exp: NOW_SECONDS + 300 })}`;
  const first = await verifier.verify(header);
  t.equal(await verifier.verify(header), first, 'the second use is answered from the cache');
  now = new Date((NOW_SECONDS + 359) * 1000);
  t.equal(await verifier.verify(header), first, 'still within the clock skew after exp');
  now = new Date((NOW_SECONDS + 360) * 1000);
  t.equal(await refusal(t, verifier, header), 'expired', 'past exp and the skew: refused, cached or not');
  const at = header.lastIndexOf('.') + 10;
  const forged = `${header.slice(0, at)}${header[at] === 'A' ? 'B' : 'A'}${header.slice(at + 1)}`;
  now = NOW;
  t.equal(await refusal(t, verifier, forged), 'bad signature', 'another text is verified on its own');
});

t.test('keys without kid: the key whose signature checks is used', async (t) => {
  const first = await signingKey('ES256');
  const second = await signingKey('ES256');
  const verifier = await fileVerifier(t, await jwksOf(first, second));
  t.equal((await verifier.verify(`Bearer ${await sign(second)}`)).clientId, 'lab-app');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(second, { exp: NOW_SECONDS - 3600 })}`), 'expired', 'the matching key decides the other checks');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(await signingKey('ES256'))}`), 'bad signature');
});

/** What `promise` rejected with, checked to be an instance of `type`; its message. */
async function rejectionMessage(t: Test, promise: Promise<unknown>, type: new (...args: never[]) => Error): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  t.ok(err instanceof type, `rejected with a ${type.name}: ${String(err)}`);
  return err instanceof Error ? err.message : '';
}

t.test('a JWKS file that cannot be used is a ConfigError naming AUTH_JWKS_FILE', async (t) => {
  const dir = scratchDirectory(t);
  const attempt = (name: string) => rejectionMessage(t, TokenVerifier.create(settings({ jwksFile: join(dir, name) }), AUDIENCE), ConfigError);
  t.match(await attempt('absent.json'), /^AUTH_JWKS_FILE .*absent\.json cannot be read as JSON: ENOENT/);
  writeFileSync(join(dir, 'text.json'), 'not json');
  t.match(await attempt('text.json'), /^AUTH_JWKS_FILE .* cannot be read as JSON/);
  writeFileSync(join(dir, 'empty.json'), '{"keys": []}');
  t.match(await attempt('empty.json'), /^AUTH_JWKS_FILE .* needs \{"keys": \[...\]\}/);
  writeFileSync(join(dir, 'private.json'), JSON.stringify({ keys: [await exportJWK(ec.pair.privateKey)] }));
  t.match(await attempt('private.json'), /^AUTH_JWKS_FILE .* holds a private key/);
  t.match(await rejectionMessage(t, TokenVerifier.create(settings({ jwksFile: join(dir, 'empty.json'), issuer: undefined }), AUDIENCE), ConfigError), /AUTH_ISSUER/);
  t.match(await rejectionMessage(t, TokenVerifier.create(settings({}), AUDIENCE), ConfigError), /AUTH_JWKS_FILE or AUTH_JWKS_URL/);
});

/** A local HTTP server publishing `jwks` at /jwks, counting its requests. */
async function jwksServer(t: Test, jwks: unknown): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests += 1;
    if (request.url !== '/jwks') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`, requests: () => requests };
}

t.test('AUTH_JWKS_URL: keys fetched from a served key set, once, and refusals as with the file', async (t) => {
  const served = await jwksServer(t, await jwksOf(rsa, ec));
  const verifier = await TokenVerifier.create(settings({ jwksUrl: served.url }), AUDIENCE, clock);
  t.equal(served.requests(), 0, 'nothing is fetched before the first token');
  t.equal((await verifier.verify(`Bearer ${await sign(ec)}`)).clientId, 'lab-app');
  t.equal((await verifier.verify(`Bearer ${await sign(rsa, { client_id: 'rsa-app' })}`)).clientId, 'rsa-app');
  t.equal(served.requests(), 1, 'the key set is cached');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(await signingKey('ES256', 'ec-unknown'))}`), 'unknown key');
  t.equal(await refusal(t, verifier, `Bearer ${await sign(ec, { aud: 'http://other.test/fhir' })}`), 'wrong audience');
});

t.test('AUTH_JWKS_URL that cannot be reached or serves no key set: KeySetUnavailableError, not a token refusal', async (t) => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const unreachable = await TokenVerifier.create(settings({ jwksUrl: `http://127.0.0.1:${port}/jwks` }), AUDIENCE, clock);
  t.match(await rejectionMessage(t, unreachable.verify(`Bearer ${await sign(ec)}`), KeySetUnavailableError), `keys at http://127.0.0.1:${port}/jwks cannot be had`);

  const served = await jwksServer(t, await jwksOf(ec));
  const notFound = await TokenVerifier.create(settings({ jwksUrl: served.url.replace('/jwks', '/missing') }), AUDIENCE, clock);
  t.match(await rejectionMessage(t, notFound.verify(`Bearer ${await sign(ec)}`), KeySetUnavailableError), 'Expected 200 OK');
  const wrongShape = await jwksServer(t, { keys: 'none' });
  const notAKeySet = await TokenVerifier.create(settings({ jwksUrl: wrongShape.url }), AUDIENCE, clock);
  await rejectionMessage(t, notAKeySet.verify(`Bearer ${await sign(ec)}`), KeySetUnavailableError);
});
