import { ConfigError, loadConfig } from './config.js';
import { buildApp } from './http/app.js';
import { openStore } from './store/open-store.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const store = await openStore({ mongodbUri: config.mongodbUri, dataDir: config.dataDir });
  const app = await buildApp(config, store);
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
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
