/** Files of the test PKI written where the loaders and the openssl CLI can read them. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { KeyObject, X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signingSettingsOf, type SigningSettings } from '../../src/config.js';

export const OPENSSL = '/usr/bin/openssl';
/** Why openssl-dependent tests are skipped, or false when they run. */
export const noOpenssl: string | false = existsSync(OPENSSL) ? false : `${OPENSSL} is not installed`;

/** Runs the openssl CLI; its stdout and stderr together (it reports on stderr), or an error when it fails. */
export function openssl(args: string[], input?: string): string {
  const run = spawnSync(OPENSSL, args, { input, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${run.stderr}`);
  return run.stdout + run.stderr;
}

/** A temporary directory removed when the test ends; `write` puts a file in it and gives its path. */
export function scratchDirectory(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'fhir-signing-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, write: (name: string, content: string | Buffer) => { const path = join(dir, name); writeFileSync(path, content); return path; } };
}

export const pkcs8Pem = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }) as string;
export const pemChain = (...certificates: X509Certificate[]) => certificates.map((certificate) => certificate.toString()).join('');
export const fingerprints = (certificates: readonly X509Certificate[]) => certificates.map((certificate) => certificate.fingerprint256);

/** The signing settings of an environment holding only `env`, as the server reads them. */
export function settingsFrom(env: Record<string, string>): SigningSettings {
  return signingSettingsOf(env);
}
