/**
 * Runs the reference patient cabinet: `npx tsx examples/patient-cabinet/main.ts` with
 * TRUST_CERT (PEM of the server's signing certificate or its CA), PORT, HOST and DATA_FILE.
 */
import { loadTrustStore } from '../../src/services/signing/trust-store.js';
import { CabinetStore } from './cabinet-store.js';
import { buildReceiver } from './receiver.js';

const DEFAULT_PORT = 8090;

function trustAnchors() {
  const trustCert = process.env.TRUST_CERT;
  if (!trustCert) throw new Error('TRUST_CERT must name the PEM file of the server signing certificate or its CA');
  return loadTrustStore([trustCert]);
}

try {
  const store = CabinetStore.open(process.env.DATA_FILE || undefined);
  const app = buildReceiver({ trustAnchors: trustAnchors(), store, logger: true });
  await app.listen({ port: process.env.PORT ? Number(process.env.PORT) : DEFAULT_PORT, host: process.env.HOST ?? '127.0.0.1' });
} catch (err) {
  console.error(`patient cabinet: ${(err as Error).message}`);
  process.exit(1);
}
