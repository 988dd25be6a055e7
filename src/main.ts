import { ConfigError, loadConfig } from './config.js';
import { buildApp } from './http/app.js';
import { openStore } from './store/open-store.js';
import { shutDownOnSignals } from './shutdown.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const store = await openStore({ mongodbUri: config.mongodbUri, dataDir: config.dataDir });
  const app = await buildApp(config, store);
  shutDownOnSignals({ app, store, timeoutMs: config.shutdownTimeoutSeconds * 1000 });
  await app.listen({ port: config.port, host: config.host });
  app.log.info({ engine: store.engine, base: `/fhir` }, 'FHIR server ready');
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`Configuration error: ${err.message}`);
  } else {
    console.error(err);
  }
  process.exit(1);
});
