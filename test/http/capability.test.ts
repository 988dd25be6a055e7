import { readFileSync } from 'node:fs';
import t from 'tap';
import { client } from '../support/fhir-client.js';
import { patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const server = await startServer();
t.teardown(() => server.close());
const fhir = client(server.base);
const statement = (await fhir.get('/metadata')).body;
const patientEntry = statement.rest[0].resource.find((r: any) => r.type === 'Patient');

/** A value of the right shape for each search parameter type, to prove the server understands it. */
const SAMPLE_VALUE: Record<string, string> = {
  string: 'abc', token: 'http://x|y', reference: 'Patient/1', date: 'ge2020-01-01', number: '5',
  quantity: '5||mg', uri: 'http://example.org', composite: 'a$2020', special: 'x', // 2020: a token, quantity, date or string part
};

t.test('the CapabilityStatement describes this server', async (t) => {
  t.equal(statement.resourceType, 'CapabilityStatement');
  t.equal(statement.fhirVersion, '4.0.1');
  t.equal(statement.kind, 'instance');
  t.ok(statement.format.includes('application/fhir+json'));
  t.notOk(statement.format.some((f: string) => f.includes('xml')), 'no XML is claimed');
  const types = statement.rest[0].resource.map((r: any) => r.type);
  for (const type of ['Patient', 'Observation', 'DiagnosticReport', 'Consent', 'Organization']) t.ok(types.includes(type), type);
  t.same(statement.rest[0].interaction.map((i: any) => i.code), ['history-system', 'search-system', 'transaction', 'batch']);
  t.same(patientEntry.interaction.map((i: any) => i.code).sort(),
    ['create', 'delete', 'history-instance', 'history-type', 'patch', 'read', 'search-type', 'update', 'vread']);
  t.equal(patientEntry.conditionalDelete, 'single');
});

t.test('every interaction claimed for Patient really answers', async (t) => {
  const created = await fhir.post('/Patient', patient());
  t.equal(created.status, 201, 'create');
  const id = created.body.id;
  const checks: Record<string, () => Promise<{ status: number }>> = {
    read: () => fhir.get(`/Patient/${id}`),
    vread: () => fhir.get(`/Patient/${id}/_history/1`),
    update: () => fhir.put(`/Patient/${id}`, { ...created.body }),
    patch: () => fhir.patch(`/Patient/${id}`, [{ op: 'replace', path: '/gender', value: 'female' }]),
    'history-instance': () => fhir.get(`/Patient/${id}/_history`),
    'history-type': () => fhir.get('/Patient/_history'),
    'search-type': () => fhir.get('/Patient?gender=female'),
    create: async () => created,
    delete: () => fhir.delete(`/Patient/${id}`),
  };
  const codes: string[] = patientEntry.interaction.map((i: any) => i.code);
  for (const code of [...codes.filter((c) => c !== 'delete'), ...codes.filter((c) => c === 'delete')]) {
    const check = checks[code];
    t.ok(check, `a check exists for ${code}`);
    if (check) t.ok([200, 201].includes((await check()).status), code);
  }
  t.equal((await fhir.get('/_history')).status, 200, 'history-system');
});

t.test('every search parameter claimed is understood, never reported as unknown', async (t) => {
  for (const entry of statement.rest[0].resource.filter((r: any) => ['Patient', 'Observation', 'DiagnosticReport', 'Consent', 'Organization'].includes(r.type))) {
    for (const param of entry.searchParam) {
      const value = SAMPLE_VALUE[param.type];
      const res = await fhir.get(`/${entry.type}?${param.name}=${encodeURIComponent(value!)}`, { headers: { prefer: 'handling=strict' } });
      t.equal(res.status, 200, `${entry.type}?${param.name} (${param.type}) ${res.status === 200 ? '' : JSON.stringify(res.body?.issue?.[0]?.diagnostics)}`);
    }
  }
});

t.test('the subscription operations are declared with their OperationDefinitions and answer', async (t) => {
  const definition = (file: string) => JSON.parse(readFileSync(new URL(`../../conformance/operation-definitions/${file}`, import.meta.url), 'utf8'));
  const deliveryStatus = definition('delivery-status.json');
  const subscriptionStatus = definition('subscription-status.json');
  const operationsOf = (entry: any) => entry.operation.map((o: any) => `${o.name} ${o.definition}`);
  for (const entry of statement.rest[0].resource) {
    t.ok(operationsOf(entry).includes(`delivery-status ${deliveryStatus.url}`), `${entry.type} declares $delivery-status`);
    t.equal(operationsOf(entry).includes(`status ${subscriptionStatus.url}`), entry.type === 'Subscription', `$status ${entry.type === 'Subscription' ? 'is' : 'is not'} declared on ${entry.type}`);
  }
  for (const operation of [deliveryStatus, subscriptionStatus]) {
    const outcome = (await fhir.post('/OperationDefinition/$validate', operation)).body;
    t.same(outcome.issue.filter((issue: any) => ['error', 'fatal'].includes(issue.severity)), [], `${operation.url} is a valid OperationDefinition`);
  }

  const created = await fhir.post('/Patient', patient());
  const delivery = await fhir.get(`/Patient/${created.body.id}/$delivery-status`);
  t.equal(delivery.status, 200, '$delivery-status answers');
  t.same(delivery.body.parameter, [{ name: 'matched', valueInteger: 0 }]);
  const subscription = await fhir.post('/Subscription', {
    resourceType: 'Subscription', status: 'requested', reason: 'r', criteria: 'Observation?status=final', channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:9/x' },
  });
  const status = await fhir.get(`/Subscription/${subscription.body.id}/$status`);
  t.equal(status.status, 200, '$status answers');
  t.same(status.body.parameter.map((p: any) => p.name), subscriptionStatus.parameter.filter((p: any) => p.min > 0).map((p: any) => p.name), 'with the parameters its definition requires');
});
