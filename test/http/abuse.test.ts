/** Abuse protections over real HTTP: per-client rate limits, the auth-failure throttle, security headers, JSON depth, CORS, body size. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { type FhirAnswer, client, request } from '../support/fhir-client.js';
import { startServer } from '../support/server.js';
import { testIssuer } from '../support/test-tokens.js';

const issuer = await testIssuer();
t.teardown(() => issuer.remove());
const AUTH_ON = issuer.authSettings;
const WINDOW_MS = 2000;
const NO_LIMIT = { max: 0, windowMs: 60_000 };

const guarded = await startServer({ auth: AUTH_ON, rateLimit: { max: 3, windowMs: WINDOW_MS } });
t.teardown(() => guarded.close());
const lockout = await startServer({ auth: AUTH_ON, rateLimit: NO_LIMIT, authFailureLimit: { max: 2, windowMs: WINDOW_MS } });
t.teardown(() => lockout.close());
const BROWSER_APP = 'https://app.example.ru';
const open = await startServer({ corsOrigins: [BROWSER_APP, 'http://localhost:3000'], baseUrl: 'https://fhir.example.ru/fhir', bodyLimit: 256 * 1024, rateLimit: NO_LIMIT });
t.teardown(() => open.close());

async function getAs(base: string, clientId: string, path: string): Promise<FhirAnswer> {
  return client(base).get(path, { headers: { authorization: `Bearer ${await issuer.token('system/*.cruds', { client_id: clientId })}` } });
}

function assertThrottled(t: Test, answer: FhirAnswer, code: string): number {
  t.equal(answer.status, 429);
  t.equal(answer.body.resourceType, 'OperationOutcome');
  t.equal(answer.body.issue[0].code, 'throttled');
  t.equal(answer.body.issue[0].details.coding[0].code, code);
  const retryAfter = Number(answer.headers.get('retry-after'));
  t.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= WINDOW_MS / 1000, `Retry-After ${answer.headers.get('retry-after')} is whole seconds within the window`);
  return retryAfter;
}

t.test('each client has its own budget per window; over it 429 with Retry-After, and the budget comes back', async (t) => {
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await getAs(guarded.base, 'lab-a', '/Patient')).status);
  t.same(statuses, [200, 200, 200], 'three requests within the budget');
  const refused = await getAs(guarded.base, 'lab-a', '/Patient');
  const retryAfter = assertThrottled(t, refused, 'FHIR_ERR_RATE_LIMITED');
  t.match(refused.body.issue[0].diagnostics, /3 per 2 s/);
  t.ok(refused.body.issue[0].details.text, 'a Russian message too');
  t.equal((await getAs(guarded.base, 'lab-b', '/Patient')).status, 200, 'another client from the same address is not held back');
  t.equal((await getAs(guarded.base, 'lab-a', '/Patient/absent')).status, 429, 'every path of the FHIR API counts');
  for (let i = 0; i < 5; i++) t.equal((await client(guarded.base).get('/metadata')).status, 200, 'the public CapabilityStatement is not counted');
  await sleep(retryAfter * 1000 + 100);
  t.equal((await getAs(guarded.base, 'lab-a', '/Patient')).status, 200, 'after Retry-After the client is let in again');
});

t.test('repeated failed authentications from one address: 429 for further failures, a valid token still gets in', async (t) => {
  const anonymous = client(lockout.base);
  const bad = { headers: { authorization: 'Bearer abc.def' } };
  t.equal((await anonymous.get('/Patient', bad)).status, 401);
  t.equal((await anonymous.get('/Patient')).status, 401, 'a missing token is a failure too');
  const refused = await anonymous.get('/Patient', bad);
  const retryAfter = assertThrottled(t, refused, 'FHIR_ERR_AUTH_THROTTLED');
  t.equal(refused.headers.get('www-authenticate'), null, 'no challenge: the client is told to wait');
  assertThrottled(t, await anonymous.get('/Observation'), 'FHIR_ERR_AUTH_THROTTLED');
  t.equal((await getAs(lockout.base, 'clinic', '/Patient')).status, 200, 'a legitimate client behind the same address is not locked out');
  t.equal((await anonymous.get('/metadata')).status, 200, 'the CapabilityStatement stays public');
  await sleep(retryAfter * 1000 + 100);
  t.equal((await anonymous.get('/Patient', bad)).status, 401, 'the window has passed: a plain 401 again');
});

function assertSecurityHeaders(t: Test, answer: FhirAnswer, what: string): void {
  t.equal(answer.headers.get('x-content-type-options'), 'nosniff', what);
  t.equal(answer.headers.get('x-frame-options'), 'DENY', what);
  t.equal(answer.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'", what);
  t.equal(answer.headers.get('referrer-policy'), 'no-referrer', what);
}

t.test('security headers on successes, errors and 401s; no-store on all but the public CapabilityStatement', async (t) => {
  const answers = {
    success: await getAs(guarded.base, 'headers', '/Patient'),
    error: await getAs(guarded.base, 'headers', '/Patient/absent'),
    unauthenticated: await client(guarded.base).get('/Patient'),
    metadata: await client(guarded.base).get('/metadata'),
  };
  t.same(Object.values(answers).map((answer) => answer.status), [200, 404, 401, 200]);
  for (const [what, answer] of Object.entries(answers)) {
    assertSecurityHeaders(t, answer, what);
    t.equal(answer.headers.get('strict-transport-security'), null, `${what}: no HSTS without an https BASE_URL`);
  }
  t.equal(answers.success.headers.get('cache-control'), 'no-store');
  t.equal(answers.error.headers.get('cache-control'), 'no-store');
  t.equal(answers.unauthenticated.headers.get('cache-control'), 'no-store');
  t.equal(answers.metadata.headers.get('cache-control'), null, 'the CapabilityStatement may be cached');

  const overHttps = await client(open.base).get('/Patient');
  assertSecurityHeaders(t, overHttps, 'AUTH=off');
  t.equal(overHttps.headers.get('cache-control'), 'no-store', 'with AUTH=off every answer is private too');
  t.equal(overHttps.headers.get('strict-transport-security'), 'max-age=31536000', 'HSTS when BASE_URL is https');
});

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

const SYNTHEA_BUNDLE = resolve(process.cwd(), '../shared/data/synthea/Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json');

t.test('JSON nested deeper than JSON_MAX_DEPTH is refused before parsing; real bundles pass', async (t) => {
  const fhir = client(open.base);
  const deep = await fhir.post('/Patient', { resourceType: 'Patient', extension: [{ url: 'urn:x', valueString: nested(100) }] });
  t.equal(deep.status, 400);
  t.equal(deep.body.issue[0].details.coding[0].code, 'FHIR_ERR_JSON_TOO_DEEP');
  t.match(deep.body.issue[0].diagnostics, /deeper than 64 levels/);
  const deepTransaction = await fhir.post('', { resourceType: 'Bundle', type: 'transaction', entry: nested(70) });
  t.equal(deepTransaction.body.issue[0].details.coding[0].code, 'FHIR_ERR_JSON_TOO_DEEP', 'transactions go through the same parser');
  const patch = await fhir.patch('/Patient/any', [{ op: 'add', path: '/extension', value: nested(80) }]);
  t.equal(patch.body.issue[0].details.coding[0].code, 'FHIR_ERR_JSON_TOO_DEEP', 'and JSON Patch bodies');

  const brackets = await fhir.post('/Patient', { resourceType: 'Patient', name: [{ text: `"[{${'['.repeat(200)}\\"{{{` }] });
  t.equal(brackets.status, 201, 'brackets inside strings, escaped quotes among them, are text');
  t.equal(brackets.body.name[0].text, `"[{${'['.repeat(200)}\\"{{{`);
  // the resource, its extension array and the extension object are three levels
  const atLimit = await fhir.post('/Patient', { resourceType: 'Patient', extension: [{ url: 'urn:x', valueString: nested(61) }] });
  t.not(atLimit.body.issue[0].details.coding[0].code, 'FHIR_ERR_JSON_TOO_DEEP', '64 levels are parsed (and then found invalid)');
  const overLimit = await fhir.post('/Patient', { resourceType: 'Patient', extension: [{ url: 'urn:x', valueString: nested(62) }] });
  t.equal(overLimit.body.issue[0].details.coding[0].code, 'FHIR_ERR_JSON_TOO_DEEP', '65 levels are not');
});

t.test('a Synthea transaction bundle passes the depth limit', { skip: existsSync(SYNTHEA_BUNDLE) ? false : `no ${SYNTHEA_BUNDLE}` }, async (t) => {
  const answer = await request(open.base, 'POST', '', { raw: readFileSync(SYNTHEA_BUNDLE, 'utf8') });
  t.equal(answer.status, 200, 'the whole transaction is processed');
  t.equal(answer.body.type, 'transaction-response');
});

t.test('a body over BODY_LIMIT gets 413 with an OperationOutcome', async (t) => {
  const answer = await client(open.base).post('/Patient', { resourceType: 'Patient', name: [{ text: 'x'.repeat(300 * 1024) }] });
  t.equal(answer.status, 413);
  t.equal(answer.body.issue[0].code, 'too-long');
  t.match(answer.body.issue[0].diagnostics, `${256 * 1024} bytes`);
  assertSecurityHeaders(t, answer, '413');
});

const PREFLIGHT = { 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, content-type, if-match' };

t.test('CORS is off unless CORS_ORIGINS is set', async (t) => {
  const fhir = client(guarded.base);
  const simple = await getAs(guarded.base, 'cors', '/Patient');
  t.equal(simple.headers.get('access-control-allow-origin'), null);
  const preflight = await fhir.send('OPTIONS', '/Patient/p1', { headers: { origin: BROWSER_APP, ...PREFLIGHT } });
  t.equal(preflight.status, 401, 'a preflight is just an unauthenticated OPTIONS, as before');
  t.equal(preflight.headers.get('access-control-allow-origin'), null);
  t.equal(preflight.headers.get('access-control-allow-methods'), null);
});

t.test('with CORS_ORIGINS: preflights answered, listed origins allowed, headers exposed', async (t) => {
  const fhir = client(open.base);
  const preflight = await fhir.send('OPTIONS', '/Patient/p1', { headers: { origin: BROWSER_APP, ...PREFLIGHT } });
  t.equal(preflight.status, 204);
  t.equal(preflight.headers.get('access-control-allow-origin'), BROWSER_APP);
  t.match(preflight.headers.get('access-control-allow-methods'), /PUT/);
  const allowed = preflight.headers.get('access-control-allow-headers')!.split(', ');
  t.same(allowed, ['Authorization', 'Content-Type', 'If-Match', 'If-None-Exist', 'If-None-Match', 'Prefer']);
  t.match(preflight.headers.get('vary'), /Origin/);

  const simple = await fhir.get('/Patient', { headers: { origin: BROWSER_APP } });
  t.equal(simple.status, 200);
  t.equal(simple.headers.get('access-control-allow-origin'), BROWSER_APP);
  t.same(simple.headers.get('access-control-expose-headers')!.split(', '), ['ETag', 'Location', 'Last-Modified', 'X-Request-Id', 'Content-Location']);
  const error = await fhir.get('/Patient/absent', { headers: { origin: 'http://localhost:3000' } });
  t.equal(error.status, 404);
  t.equal(error.headers.get('access-control-allow-origin'), 'http://localhost:3000', 'errors are readable by the page too');

  const stranger = await fhir.get('/Patient', { headers: { origin: 'https://evil.example' } });
  t.equal(stranger.headers.get('access-control-allow-origin'), null, 'an origin not listed gets no CORS headers');
  const strangerPreflight = await fhir.send('OPTIONS', '/Patient/p1', { headers: { origin: 'https://evil.example', ...PREFLIGHT } });
  t.not(strangerPreflight.status, 204);
  t.equal(strangerPreflight.headers.get('access-control-allow-origin'), null);
});

t.test('CORS_ORIGINS=*: any origin, preflight before authentication', async (t) => {
  const anyOrigin = await startServer({ auth: AUTH_ON, corsOrigins: ['*'] });
  t.teardown(() => anyOrigin.close());
  const fhir = client(anyOrigin.base);
  const preflight = await fhir.send('OPTIONS', '/Patient', { headers: { origin: 'https://anywhere.example', ...PREFLIGHT } });
  t.equal(preflight.status, 204, 'no token needed for the preflight');
  t.equal(preflight.headers.get('access-control-allow-origin'), '*');
  const unauthenticated = await fhir.get('/Patient', { headers: { origin: 'https://anywhere.example' } });
  t.equal(unauthenticated.status, 401);
  t.equal(unauthenticated.headers.get('access-control-allow-origin'), '*', 'the page can read the 401');
});
