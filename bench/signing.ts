/**
 * Signing benchmark (npm run bench:signing), one core, in process: sign and verify a Synthea
 * patient bundle (../shared/data/synthea, the one nearest 400 entries; a generated 400-entry
 * bundle without that data) in both formats with both key types. Verification includes the
 * canonicalisation, the signature and the certificate chain. Median and p95 over the runs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle } from 'fhir/r4.js';
import { signBundle, type SignatureFormat } from '../src/services/signing/bundle-signature.ts';
import { verifyBundleSignature } from '../src/services/signing/signature-verification.ts';
import { testPki } from '../test/support/test-pki.ts';
import { recordResult } from './results-file.ts';

const SYNTHEA_DIR = new URL('../../shared/data/synthea/', import.meta.url).pathname;
const RUNS = 40;

function syntheaBundle(): Bundle | undefined {
  if (!existsSync(SYNTHEA_DIR)) return undefined;
  const bundles = readdirSync(SYNTHEA_DIR).filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(SYNTHEA_DIR, f), 'utf8')) as Bundle);
  return bundles.sort((a, b) => Math.abs(a.entry!.length - 400) - Math.abs(b.entry!.length - 400))[0];
}

function generatedBundle(): Bundle {
  const entry = Array.from({ length: 400 }, (_, i) => ({
    fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    resource: { resourceType: 'Observation' as const, status: 'final' as const, code: { coding: [{ system: 'urn:oid:1.2.643.5.1.13.13.11.1080', code: String(1015880 + i) }], text: 'Гемоглобин' }, valueQuantity: { value: 120 + (i % 40), unit: 'g/L' }, effectiveDateTime: '2026-11-20T09:00:00+03:00' },
  }));
  return { resourceType: 'Bundle', type: 'collection', entry };
}

function timings(work: () => void): { median: number; p95: number } {
  for (let i = 0; i < 5; i++) work();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(RUNS / 2)]!, p95: times[Math.floor(RUNS * 0.95)]! };
}

const pki = await testPki();
const bundle = syntheaBundle() ?? generatedBundle();
const size = Buffer.byteLength(JSON.stringify(bundle));
console.log(`\nSigning, one core: a ${bundle.entry!.length}-resource bundle (${(size / 1024 / 1024).toFixed(1)} MB of JSON${syntheaBundle() ? ', Synthea' : ', generated'})\n`);
console.log('| format | key | sign median | sign p95 | verify median | verify p95 | target |\n|---|---|---:|---:|---:|---:|---|');
for (const format of ['jws', 'cms'] as SignatureFormat[]) {
  for (const [name, leaf] of [['RSA 2048', pki.rsaLeaf], ['ECDSA P-256', pki.ecLeaf]] as const) {
    const signer = pki.signerFor(leaf);
    const signed = signBundle(bundle, signer, { format });
    if (!verifyBundleSignature(signed, [pki.root.certificate]).valid) throw new Error(`${format} ${name}: the signed bundle does not verify`);
    const sign = timings(() => signBundle(bundle, signer, { format }));
    const verify = timings(() => verifyBundleSignature(signed, [pki.root.certificate]));
    console.log(`| ${format} | ${name} | ${sign.median.toFixed(1)} ms | ${sign.p95.toFixed(1)} ms | ${verify.median.toFixed(1)} ms | ${verify.p95.toFixed(1)} ms | < 100 ms each |`);
    for (const [step, times] of [['sign', sign], ['verify', verify]] as const) {
      recordResult({ bench: 'signing', scenario: `${step} ${format} ${name}`, metric: 'latency-p50', value: times.median, unit: 'ms', target: 100 });
      recordResult({ bench: 'signing', scenario: `${step} ${format} ${name}`, metric: 'latency-p95', value: times.p95, unit: 'ms' });
    }
  }
}
