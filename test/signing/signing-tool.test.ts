/** `npm run signing` as its own process: generate-key, csr (checked by the openssl CLI), show, and bad usage. */
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { testPki } from '../support/test-pki.js';
import { noOpenssl, openssl, pemChain, pkcs8Pem, scratchDirectory } from './key-files.js';

const PROJECT = new URL('../..', import.meta.url).pathname;
const MAIN = join(PROJECT, 'src/signing-tool/main.ts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The command with `env` on top of an environment without any signing or data directory setting. */
function runSigning(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(SIGNING_|SIGNATURE_|DATA_DIR$)/.test(name)));
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: PROJECT, env: { ...inherited, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr });
    });
  });
}

const oneLine = (text: string) => text.trim().split('\n').length === 1;

t.test('generate-key writes a PKCS#8 key readable by its owner only and never overwrites one', async (t) => {
  const files = scratchDirectory(t);
  const keyFile = join(files.dir, 'rsa.pem');
  const made = await runSigning(['generate-key', '--type', 'rsa', '--bits', '3072', '--out', keyFile]);
  t.equal(made.code, 0, made.stderr);
  const pem = readFileSync(keyFile, 'utf8');
  t.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
  t.same(createPrivateKey(pem).asymmetricKeyDetails?.modulusLength, 3072);
  t.equal(statSync(keyFile).mode & 0o777, 0o600);

  const again = await runSigning(['generate-key', '--type', 'ec', '--out', keyFile]);
  t.equal(again.code, 1);
  t.ok(oneLine(again.stderr), again.stderr);
  t.match(again.stderr, `Cannot write ${keyFile}: the file exists`);
  t.equal(readFileSync(keyFile, 'utf8'), pem, 'the key is untouched');
});

t.test('generate-key then csr gives a request openssl verifies, for the key, with the subject', { skip: noOpenssl }, async (t) => {
  const files = scratchDirectory(t);
  const keyFile = join(files.dir, 'ec.pem');
  const requestFile = join(files.dir, 'req.pem');
  t.equal((await runSigning(['generate-key', '--type', 'ec', '--out', keyFile])).code, 0);
  const csr = await runSigning(['csr', '--key', keyFile, '--subject', 'CN=Лаборатория №1, O=ГБУЗ Тестовая больница, C=RU', '--out', requestFile]);
  t.equal(csr.code, 0, csr.stderr);
  t.match(openssl(['req', '-verify', '-noout', '-in', requestFile]), /verify OK/);
  t.equal(openssl(['req', '-noout', '-subject', '-nameopt', 'utf8', '-in', requestFile]).trim(), 'subject=CN=Лаборатория №1, O=ГБУЗ Тестовая больница, C=RU');
  const publicKey = openssl(['req', '-noout', '-pubkey', '-in', requestFile]);
  t.equal(publicKey, createPublicKey(createPrivateKey(readFileSync(keyFile))).export({ type: 'spki', format: 'pem' }), 'the request is for the key');

  const toStdout = await runSigning(['csr', '--key', keyFile, '--subject', 'CN=Lab, O=Clinic, C=RU']);
  t.equal(toStdout.code, 0, toStdout.stderr);
  t.match(toStdout.stdout, /^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]+\n-----END CERTIFICATE REQUEST-----\n$/);
  t.match(openssl(['req', '-verify', '-noout'], toStdout.stdout), /verify OK/);
});

t.test('show prints the configured certificate: subject, fingerprint, key and the chain in PEM', async (t) => {
  const { rsaLeaf, intermediate } = await testPki();
  const files = scratchDirectory(t);
  const env = {
    SIGNING_KEY_FILE: files.write('key.pem', pkcs8Pem(rsaLeaf.keys.privateKey)),
    SIGNING_CERT_FILE: files.write('chain.pem', pemChain(intermediate.certificate, rsaLeaf.certificate)),
    SIGNING_TRUST_STORE: files.write('ca.pem', intermediate.certificate.toString()),
    DATA_DIR: join(files.dir, 'data'),
  };
  const show = await runSigning(['show'], env);
  t.equal(show.code, 0, show.stderr);
  t.match(show.stdout, `Configured signing certificate (${env.SIGNING_KEY_FILE})`);
  t.match(show.stdout, 'Subject:     CN=Лаборатория №1, O=ГБУЗ Тестовая больница, C=RU');
  t.match(show.stdout, 'Issuer:      CN=Test Issuing CA, O=Test Ministry, C=RU');
  t.match(show.stdout, `SHA-256:     ${rsaLeaf.certificate.fingerprint256}`);
  t.match(show.stdout, `Serial:      ${rsaLeaf.certificate.serialNumber}`);
  t.match(show.stdout, 'Key:         RSA 2048 bits');
  t.match(show.stdout, 'Trust store:  1 certificate(s)');
  t.match(show.stdout, `Chain (2 certificates, signer first):\n${rsaLeaf.certificate.toString().trim()}\n${intermediate.certificate.toString().trim()}`);
  t.notOk(existsSync(join(env.DATA_DIR, 'signing')), 'no development identity is made');
});

t.test('show without a configured key names the development identity in DATA_DIR', async (t) => {
  const dataDir = join(scratchDirectory(t).dir, 'data');
  const show = await runSigning(['show'], { DATA_DIR: dataDir });
  t.equal(show.code, 0, show.stderr);
  t.match(show.stdout, `Development identity in ${join(dataDir, 'signing')} (made just now`);
  t.match(show.stdout, 'Subject:     CN=EGISZ FHIR development signer');
  t.match(show.stdout, 'Key:         ECDSA P-256');
  const certificate = readFileSync(join(dataDir, 'signing', 'development-certificate.pem'), 'utf8');
  t.match(show.stdout, certificate.trim());
  const again = await runSigning(['show'], { DATA_DIR: dataDir });
  t.match(again.stdout, '(made earlier');
});

t.test('show fails with one line naming the file when the key cannot be loaded', async (t) => {
  const files = scratchDirectory(t);
  const missing = join(files.dir, 'server.p12');
  const show = await runSigning(['show'], { SIGNING_P12_FILE: missing });
  t.equal(show.code, 1);
  t.ok(oneLine(show.stderr), show.stderr);
  t.match(show.stderr, `Cannot read the PKCS#12 file ${missing}: no such file`);
});

t.test('a wrong command line prints the usage and exits 2', async (t) => {
  const lines: string[][] = [[], ['sign'], ['show', '--verbose'], ['generate-key', '--type', 'dsa', '--out', 'x.pem'], ['generate-key', '--type', 'rsa', '--bits', '1024', '--out', 'x.pem'], ['generate-key', '--type', 'ec'], ['csr', '--key', 'k.pem'], ['csr', '--key', 'k.pem', '--subject', 'garbage']];
  for (const args of lines) {
    const run = await runSigning(args);
    t.equal(run.code, 2, `${args.join(' ')}: exit 2`);
    t.match(run.stderr, /Usage: npm run signing -- <command>/, `${args.join(' ')}: the usage`);
  }
  t.notOk(existsSync(join(PROJECT, 'x.pem')));
  const help = await runSigning(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /generate-key --type rsa\|ec/);
});
