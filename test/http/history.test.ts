import t from 'tap';
import { client } from '../support/fhir-client.js';
import { patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const server = await startServer();
t.teardown(() => server.close());
const fhir = client(server.base);

async function followPages(url: string): Promise<any[]> {
  const entries: any[] = [];
  let next: string | undefined = url;
  while (next) {
    const page = await fhir.get(next);
    if (page.status !== 200) throw new Error(`page answered ${page.status}`);
    entries.push(...(page.body.entry ?? []));
    next = page.body.link.find((l: any) => l.relation === 'next')?.url;
  }
  return entries;
}

t.test('instance history lists every version newest first, deletes included', async (t) => {
  const created = (await fhir.post('/Patient', patient())).body;
  await fhir.put(`/Patient/${created.id}`, { ...created, gender: 'female' });
  await fhir.delete(`/Patient/${created.id}`);
  const history = await fhir.get(`/Patient/${created.id}/_history`);
  t.equal(history.status, 200);
  t.equal(history.body.type, 'history');
  const entries = history.body.entry;
  t.same(entries.map((e: any) => e.request.method), ['DELETE', 'PUT', 'POST']);
  t.same(entries.map((e: any) => e.response.etag), ['W/"3"', 'W/"2"', 'W/"1"']);
  t.notOk(entries[0].resource, 'the delete has no resource');
  t.equal(entries[1].resource.gender, 'female');
  t.equal(entries[2].fullUrl, `${server.base}/Patient/${created.id}`);
  t.equal(entries[2].request.url, 'Patient');
});

t.test('type and system history with _count paging: no entry skipped or repeated while others write', async (t) => {
  const before = new Date(Date.now() - 1).toISOString();
  const ids: string[] = [];
  for (let i = 0; i < 25; i++) ids.push((await fhir.post('/Organization', { resourceType: 'Organization', name: `Лаборатория ${i}` })).body.id);
  const first = await fhir.get(`/Organization/_history?_count=10&_since=${before}`);
  t.equal(first.body.entry.length, 10);
  t.ok(first.body.link.find((l: any) => l.relation === 'next'), 'a next link');
  for (let i = 0; i < 5; i++) await fhir.post('/Organization', { resourceType: 'Organization', name: `Новая ${i}` });
  const rest = await followPages(first.body.link.find((l: any) => l.relation === 'next').url);
  const seen = [...first.body.entry, ...rest].map((e: any) => e.resource.id);
  t.equal(seen.length, 25, 'paging continued from where it stood');
  t.same(new Set(seen), new Set(ids));
  t.same(seen, [...ids].reverse(), 'newest first');

  const system = await followPages(`/_history?_count=7&_since=${before}`);
  t.equal(system.length, 30);
  t.equal(new Set(system.map((e: any) => e.resource.id)).size, 30);
  const times = system.map((e: any) => Date.parse(e.response.lastModified));
  t.same(times, [...times].sort((a, b) => b - a), 'system history is ordered newest first');
});

t.test('_since excludes older versions', async (t) => {
  const old = (await fhir.post('/Consent', { resourceType: 'Consent', status: 'active', scope: { text: 's' }, category: [{ text: 'c' }], policyRule: { text: 'p' } })).body;
  await new Promise((resolve) => setTimeout(resolve, 20));
  const since = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const fresh = (await fhir.post('/Consent', { resourceType: 'Consent', status: 'active', scope: { text: 's' }, category: [{ text: 'c' }], policyRule: { text: 'p' } })).body;
  const history = await fhir.get(`/Consent/_history?_since=${since}`);
  const ids = history.body.entry.map((e: any) => e.resource.id);
  t.same(ids, [fresh.id]);
  t.notOk(ids.includes(old.id));
});

t.test('versions read while updates supersede them always come with their own body', async (t) => {
  const created = (await fhir.post('/Patient', patient())).body;
  let writing = true;
  const writer = (async () => {
    for (let i = 0; i < 40; i++) await fhir.put(`/Patient/${created.id}`, { ...created, birthDate: `19${50 + i}-01-01` });
    writing = false;
  })();
  const problems: string[] = [];
  while (writing) {
    const history = await fhir.get(`/Patient/${created.id}/_history?_count=3`);
    for (const entry of history.body.entry) {
      if (entry.resource?.meta.versionId !== entry.response.etag.slice(3, -1)) problems.push(`history entry ${entry.response.etag}`);
    }
    const latest = Number(history.body.entry[0].response.etag.slice(3, -1));
    const vread = await fhir.get(`/Patient/${created.id}/_history/${latest}`);
    if (vread.body.meta?.versionId !== String(latest)) problems.push(`vread ${latest}`);
  }
  await writer;
  t.same(problems, [], 'no version came back without its body or with another version\'s');
  const all = await fhir.get(`/Patient/${created.id}/_history?_count=100`);
  t.equal(all.body.entry.length, 41);
  t.ok(all.body.entry.every((e: any) => e.resource.meta.versionId === e.response.etag.slice(3, -1)), 'every version keeps its own body');
});
