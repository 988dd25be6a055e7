/** `npm run token` as its own process: init writes the key pair, mint signs each role's token, and TokenVerifier accepts them over the written JWKS. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { AuthenticationError } from '../../src/auth/authentication-error.js';
import { TokenVerifier, type AuthenticatedClient } from '../../src/auth/token-verifier.js';

const PROJECT = new URL('../..', import.meta.url).pathname;
const MAIN = join(PROJECT, 'src/auth/dev-tokens/main.ts');
const DEV_ISSUER = 'urn:egisz-fhir-server:dev-issuer';
const DEV_AUDIENCE = 'http://localhost:8080/fhir';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runToken(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: PROJECT }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr });
    });
  });
}

function scratchDirectory(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'fhir-dev-tokens-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `init` into a fresh directory, checked to have worked. */
async function initialised(t: Test): Promise<string> {
  const dir = join(scratchDirectory(t), 'auth');
  const init = await runToken(['init', '--dir', dir]);
  t.equal(init.code, 0, init.stderr);
  return dir;
}

function verifierOver(dir: string, issuer = DEV_ISSUER, audience = DEV_AUDIENCE): Promise<TokenVerifier> {
  return TokenVerifier.create({ mode: 'on', jwksFile: join(dir, 'dev-jwks.json'), issuer, clockSkewSeconds: 60 }, audience);
}

async function minted(t: Test, args: string[]): Promise<string> {
  const mint = await runToken(['mint', ...args]);
  t.equal(mint.code, 0, mint.stderr);
  t.match(mint.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/, 'the JWT alone on one line');
  return mint.stdout.trim();
}

/** Whether the token expires `ttl` seconds after a moment from `from` to `to` (in ms; JWT times are whole seconds). */
function expiresWithin(client: AuthenticatedClient, from: number, to: number, ttl: number): boolean {
  const expires = client.expiresAt.getTime();
  return expires >= Math.floor(from / 1000) * 1000 + ttl * 1000 && expires <= to + ttl * 1000;
}

const scopeTexts = (client: AuthenticatedClient) => client.scopes.map((scope) => scope.text);

t.test('init writes a private key for its owner only and the public JWKS; a second init keeps the key', async (t) => {
  const dir = join(scratchDirectory(t), 'auth');
  const init = await runToken(['init', '--dir', dir]);
  t.equal(init.code, 0, init.stderr);
  const privateKeyFile = join(dir, 'dev-private-key.pem');
  const jwksFile = join(dir, 'dev-jwks.json');
  t.match(init.stdout, `AUTH_JWKS_FILE=${jwksFile} AUTH_ISSUER=${DEV_ISSUER}`);
  t.equal(statSync(privateKeyFile).mode & 0o777, 0o600);
  const privateKey = readFileSync(privateKeyFile, 'utf8');
  t.match(privateKey, /^-----BEGIN PRIVATE KEY-----\n/);
  const jwks = JSON.parse(readFileSync(jwksFile, 'utf8')) as { keys: Record<string, string>[] };
  t.equal(jwks.keys.length, 1);
  t.match(jwks.keys[0], { kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: /^[\w-]{43}$/ });
  t.notOk('d' in jwks.keys[0], 'no private part in the JWKS');

  const again = await runToken(['init', '--dir', dir]);
  t.equal(again.code, 0, again.stderr);
  t.match(again.stdout, `Kept the existing private key ${privateKeyFile}`);
  t.equal(readFileSync(privateKeyFile, 'utf8'), privateKey, 'the key is untouched');
  t.same(JSON.parse(readFileSync(jwksFile, 'utf8')), jwks);
});

t.test('mint: each role gives a token TokenVerifier accepts, with the role\'s scopes and claims', async (t) => {
  const dir = await initialised(t);
  const verifier = await verifierOver(dir);
  const clinicMinted = Date.now();
  const clinic = await verifier.verify(`Bearer ${await minted(t, ['--role', 'clinic', '--organization', 'clinic1', '--dir', dir])}`);
  t.same(scopeTexts(clinic), ['user/Patient.cruds', 'user/Observation.cruds', 'user/DiagnosticReport.cruds', 'user/Consent.cruds', 'user/Organization.rs']);
  t.equal(clinic.organization, 'Organization/clinic1');
  t.equal(clinic.patient, undefined);
  t.equal(clinic.clientId, 'dev-clinic');
  t.equal(clinic.subject, 'dev-clinic');

  const lab = await verifier.verify(`Bearer ${await minted(t, ['--role', 'lab', '--organization', 'Organization/lab1', '--dir', dir, '--client', 'lab-analyser'])}`);
  t.same(scopeTexts(lab), ['system/DiagnosticReport.cru', 'system/Observation.cru', 'system/Patient.crs', 'system/Organization.crs']);
  t.equal(lab.organization, 'Organization/lab1');
  t.equal(lab.clientId, 'lab-analyser');

  const cabinet = await verifier.verify(`Bearer ${await minted(t, ['--role', 'cabinet', '--patient', 'p1', '--dir', dir])}`);
  t.same(scopeTexts(cabinet), ['patient/*.rs', 'patient/Subscription.cruds']);
  t.equal(cabinet.patient, 'p1');
  t.equal(cabinet.organization, undefined);

  const auditorMinted = Date.now();
  const auditor = await verifier.verify(`Bearer ${await minted(t, ['--role', 'auditor', '--dir', dir, '--ttl', '120'])}`);
  const auditorReturned = Date.now();
  t.same(scopeTexts(auditor), ['system/AuditEvent.rs']);
  t.equal(auditor.patient, undefined);
  t.equal(auditor.organization, undefined);
  t.ok(expiresWithin(auditor, auditorMinted, auditorReturned, 120), `--ttl 120: expires ${auditor.expiresAt.toISOString()}`);
  t.ok(expiresWithin(clinic, clinicMinted, auditorReturned, 3600), `one hour by default: expires ${clinic.expiresAt.toISOString()}`);
});

t.test('mint --issuer and --audience: the token is for them and only them', async (t) => {
  const dir = await initialised(t);
  const issuer = 'https://idp.example.ru/realms/dev';
  const audience = 'https://fhir.example.ru/fhir';
  const token = await minted(t, ['--role', 'auditor', '--dir', dir, '--issuer', issuer, '--audience', audience]);
  t.same(scopeTexts(await (await verifierOver(dir, issuer, audience)).verify(`Bearer ${token}`)), ['system/AuditEvent.rs']);
  const defaults = await verifierOver(dir);
  const refused = await defaults.verify(`Bearer ${token}`).catch((err: unknown) => err);
  t.ok(refused instanceof AuthenticationError);
  t.equal((refused as AuthenticationError).reason, 'wrong issuer');
});

t.test('a token of one key directory is refused by the JWKS of another', async (t) => {
  const first = await initialised(t);
  const second = await initialised(t);
  const token = await minted(t, ['--role', 'auditor', '--dir', first]);
  const refused = await (await verifierOver(second)).verify(`Bearer ${token}`).catch((err: unknown) => err);
  t.equal((refused as AuthenticationError).reason, 'unknown key');
});

t.test('bad command lines exit 2 with the usage; a missing key exits 1 with one line', async (t) => {
  const dir = await initialised(t);
  const cabinet = await runToken(['mint', '--role', 'cabinet', '--dir', dir]);
  t.equal(cabinet.code, 2);
  t.equal(cabinet.stdout, '');
  t.match(cabinet.stderr, /^token: the cabinet role needs --patient\n\nUsage: npm run token -- <command>/);

  const badCommandLines = [
    ['mint', '--role', 'lab', '--dir', dir],
    ['mint', '--role', 'lab', '--organization', 'lab1', '--patient', 'p1', '--dir', dir],
    ['mint', '--role', 'admin', '--dir', dir],
    ['mint', '--dir', dir],
    ['mint', '--role', 'auditor', '--ttl', '0', '--dir', dir],
    ['mint', '--role', 'cabinet', '--patient', 'p 1', '--dir', dir],
    ['mint', '--role', 'auditor', '--scope', 'system/*.cruds'],
    ['init', '--role', 'lab', '--dir', dir],
    ['mint', 'now', '--role', 'auditor', '--dir', dir],
    ['rotate'],
    [],
  ];
  const runs = await Promise.all(badCommandLines.map(runToken));
  runs.forEach((run, index) => {
    const args = badCommandLines[index].join(' ');
    t.equal(run.code, 2, args);
    t.equal(run.stdout, '', args);
    t.match(run.stderr, 'Usage: npm run token', args);
  });

  const noKey = await runToken(['mint', '--role', 'auditor', '--dir', join(dir, 'elsewhere')]);
  t.equal(noKey.code, 1);
  t.equal(noKey.stderr.trim().split('\n').length, 1, noKey.stderr);
  t.match(noKey.stderr, /^token: No development key at .*elsewhere\/dev-private-key\.pem: run `npm run token -- init` first/);
});
