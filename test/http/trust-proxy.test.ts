import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config.js';
import { client } from '../support/fhir-client.js';
import { startServer } from '../support/server.js';

/** The network address the audit log recorded for the request with this id. */
async function auditedAddress(base: string, requestId: string): Promise<string | undefined> {
  const fhir = client(base);
  await fhir.get('/AuditEvent/$verify-chain');
  const found = await fhir.get('/AuditEvent?subtype=capabilities&_count=100');
  const event = found.body.entry?.map((e: any) => e.resource).find((resource: any) =>
    resource.entity.some((entity: any) => entity.what?.identifier?.value === requestId));
  return event?.agent[0].network?.address;
}

t.test('TRUST_PROXY: the client address comes from X-Forwarded-For only for trusted proxies', async (t) => {
  for (const [setting, expected] of [[['127.0.0.1'], '203.0.113.7'], [false, '127.0.0.1']] as const) {
    const server = await startServer({ trustProxy: setting === false ? false : [...setting] });
    t.teardown(() => server.close());
    const read = await client(server.base).get('/metadata', { headers: { 'x-forwarded-for': '203.0.113.7' } });
    t.equal(read.status, 200);
    t.equal(await auditedAddress(server.base, read.headers.get('x-request-id')!), expected, `TRUST_PROXY ${JSON.stringify(setting)}`);
  }
});

t.test('TRUST_PROXY values', async (t) => {
  t.equal(loadConfig({}).trustProxy, false);
  t.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
  t.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
  t.same(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.10' }).trustProxy, ['10.0.0.0/8', '192.168.1.10']);
  t.throws(() => loadConfig({ TRUST_PROXY: 'nginx' }), new ConfigError('TRUST_PROXY is true, a number of hops, or IP addresses and CIDR ranges such as 10.0.0.0/8, got "nginx"'));
});
