/** _include / _revinclude over HTTP (search.html#include), against hand-built data with fixed ids. */
import t from 'tap';
import type { Observation, Resource } from 'fhir/r4.js';
import { client } from '../support/fhir-client.js';
import { observation, patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const server = await startServer();
t.teardown(() => server.close());
const fhir = client(server.base);

async function put<T extends Resource>(resource: T & { id: string }): Promise<void> {
  const res = await fhir.put(`/${resource.resourceType}/${resource.id}`, resource);
  if (res.status >= 300) throw new Error(`PUT ${resource.resourceType}/${resource.id}: ${res.status} ${res.text}`);
}

function obs(id: string, subject: string, extra: Partial<Observation> = {}): Observation & { id: string } {
  return { ...observation('x'), id, subject: { reference: subject }, ...extra };
}

const ref = (reference: string) => ({ reference });

// Patients p1, p2, p3; p-gone is deleted. Organisations lab and clinic; one practitioner.
await put({ ...patient('Иванов'), id: 'p1', managingOrganization: ref('Organization/clinic') });
await put({ ...patient('Петров', '12345678964'), id: 'p2' });
await put({ ...patient('Сидоров', '11223344595'), id: 'p3' });
await put({ ...patient('Удалённый'), id: 'p-gone' });
await fhir.delete('/Patient/p-gone');
await put({ resourceType: 'Organization', id: 'lab', name: 'Лаборатория' });
await put({ resourceType: 'Organization', id: 'clinic', name: 'Поликлиника' });
await put({ resourceType: 'Practitioner', id: 'doc', name: [{ family: 'Врачев' }] });
// o1, o2: p1, performed by the lab and the doctor; o2 has o1 as a member. o3: p2.
await put(obs('o1', 'Patient/p1', { performer: [ref('Organization/lab'), ref('Practitioner/doc')] }));
await put(obs('o2', 'Patient/p1', { performer: [ref('Organization/lab')], hasMember: [ref('Observation/o1')] }));
await put(obs('o3', 'Patient/p2'));
// o4: a deleted subject and a performer that never existed.
await put(obs('o4', 'Patient/p-gone', { performer: [ref('Organization/nowhere')] }));
// o5: another server's Patient/p3; o6: this server's p2 by absolute URL; o7: a contained performer.
await put(obs('o5', 'https://other.example/fhir/Patient/p3'));
await put(obs('o6', `${server.base}/Patient/p2`));
await put(obs('o7', 'Patient/p3', {
  contained: [{ resourceType: 'Organization', id: 'inner', name: 'Внутренняя' }], performer: [ref('#inner')],
}));
await put({ resourceType: 'DiagnosticReport', id: 'dr1', status: 'final', code: { text: 'ОАК' }, subject: ref('Patient/p1'), result: [ref('Observation/o1'), ref('Observation/o2')] });
await put({ resourceType: 'DiagnosticReport', id: 'dr2', status: 'final', code: { text: 'ОАК' }, subject: ref('Patient/p2'), result: [ref('Observation/o3')] });
await put({ resourceType: 'Provenance', id: 'prov1', target: [ref('Observation/o1')], recorded: '2024-03-01T12:00:00+03:00', agent: [{ who: ref('Organization/lab') }] });
await put({ resourceType: 'Provenance', id: 'prov2', target: [ref('Patient/p1')], recorded: '2024-03-01T12:00:00+03:00', agent: [{ who: ref('Organization/clinic') }] });

interface Result {
  status: number;
  total?: number;
  match: string[];
  include: string[];
  outcome: string[];
  body: any;
}

/** A search's entries as "Type/id" lists by mode, in Bundle order; throws when an entry's fullUrl is not its URL. */
async function search(query: string): Promise<Result> {
  const res = await fhir.get(query);
  const byMode: Record<string, string[]> = { match: [], include: [], outcome: [] };
  for (const entry of res.body.entry ?? []) {
    const { resourceType, id } = entry.resource;
    if (entry.search.mode !== 'outcome' && entry.fullUrl !== `${server.base}/${resourceType}/${id}`) {
      throw new Error(`${query}: ${resourceType}/${id} has fullUrl ${entry.fullUrl}`);
    }
    byMode[entry.search.mode].push(entry.search.mode === 'outcome' ? entry.resource.issue.map((i: any) => i.diagnostics).join(' ') : `${resourceType}/${id}`);
  }
  return { status: res.status, total: res.body.total, match: byMode.match, include: byMode.include, outcome: byMode.outcome, body: res.body };
}

t.test('_include follows the references of the matches; each resource comes once, after the matches', async (t) => {
  const res = await search('/Observation?_id=o1,o2,o3&_include=Observation:subject');
  t.equal(res.status, 200);
  t.equal(res.total, 3, 'included resources do not count in total');
  t.same(res.match, ['Observation/o1', 'Observation/o2', 'Observation/o3']);
  t.same(res.include, ['Patient/p1', 'Patient/p2'], 'the patient of two observations is included once');
  t.same(res.body.entry.map((e: any) => e.search.mode), ['match', 'match', 'match', 'include', 'include']);
  const two = await search('/Observation?_id=o1&_include=Observation:subject&_include=Observation:performer');
  t.same(two.include, ['Patient/p1', 'Organization/lab', 'Practitioner/doc'], 'several _include values');
});

t.test('a target type narrows the include; * follows every reference parameter', async (t) => {
  t.same((await search('/Observation?_id=o1&_include=Observation:performer:Organization')).include, ['Organization/lab']);
  t.same((await search('/Observation?_id=o1&_include=Observation:performer:Practitioner')).include, ['Practitioner/doc']);
  t.same((await search('/Observation?_id=o1&_include=Observation:subject:Group')).include, []);
  t.same((await search('/Observation?_id=o1&_include=Observation:*')).include, ['Patient/p1', 'Organization/lab', 'Practitioner/doc']);
  t.same((await search('/Observation?_id=o1&_include=*')).include, ['Patient/p1', 'Organization/lab', 'Practitioner/doc']);
  t.same((await search('/Observation?_id=o1&_include=Observation:*:Organization')).include, ['Organization/lab']);
  t.same((await search('/Observation?_id=o1&_include=Patient:organization')).include, [], 'without :iterate only the matches are followed');
});

t.test('_revinclude adds the resources that refer to the matches', async (t) => {
  const byPatient = await search('/Patient?_id=p1&_revinclude=Observation:subject');
  t.same(byPatient.match, ['Patient/p1']);
  t.same(byPatient.include, ['Observation/o1', 'Observation/o2']);
  t.equal(byPatient.total, 1);
  t.same((await search('/Observation?_id=o1,o3&_revinclude=Provenance:target')).include, ['Provenance/prov1']);
  t.same((await search('/Patient?_id=p1,p2&_revinclude=Provenance:target&_revinclude=DiagnosticReport:subject')).include,
    ['Provenance/prov2', 'DiagnosticReport/dr1', 'DiagnosticReport/dr2'], 'one directive after another, each in id order');
  t.same((await search('/Patient?_id=p1&_revinclude=Observation:*')).include, ['Observation/o1', 'Observation/o2']);
  t.same((await search('/Patient?_id=p1&_revinclude=Observation:subject:Group')).include, []);
});

t.test(':iterate (and :recurse) follows references of included resources too', async (t) => {
  const chain = await search('/DiagnosticReport?_id=dr1&_include=DiagnosticReport:result&_include:iterate=Observation:subject');
  t.same(chain.match, ['DiagnosticReport/dr1']);
  t.same(chain.include, ['Observation/o1', 'Observation/o2', 'Patient/p1']);
  const recurse = await search('/DiagnosticReport?_id=dr1&_include=DiagnosticReport:result&_include:recurse=Observation:subject');
  t.same(recurse.include, chain.include, ':recurse is :iterate');
  const flat = await search('/DiagnosticReport?_id=dr1&_include=DiagnosticReport:result&_include=Observation:subject');
  t.same(flat.include, ['Observation/o1', 'Observation/o2'], 'without :iterate the observations are not followed');
  const mixed = await search('/Patient?_id=p1&_revinclude=Observation:subject&_include:iterate=Observation:performer');
  t.same(mixed.include, ['Observation/o1', 'Observation/o2', 'Organization/lab', 'Practitioner/doc']);
  const deep = await search('/DiagnosticReport?_id=dr1&_include=DiagnosticReport:result&_include:iterate=Observation:subject'
    + '&_include:iterate=Patient:organization&_revinclude:iterate=Provenance:target');
  t.same(deep.include, ['Observation/o1', 'Observation/o2', 'Patient/p1', 'Provenance/prov1', 'Organization/clinic', 'Provenance/prov2']);
});

t.test('a resource that is both a match and an include comes once, as a match', async (t) => {
  const forward = await search('/Observation?_id=o1,o2&_include=Observation:has-member');
  t.same(forward.match, ['Observation/o1', 'Observation/o2']);
  t.same(forward.include, []);
  const reverse = await search('/Observation?_id=o1,o2&_revinclude=Observation:has-member');
  t.same(reverse.include, []);
  t.same((await search('/Observation?_id=o1&_revinclude=Observation:has-member')).include, ['Observation/o2']);
});

t.test('deleted and missing targets, other servers and contained resources are skipped', async (t) => {
  const gone = await search('/Observation?_id=o4&_include=Observation:*');
  t.same(gone.match, ['Observation/o4']);
  t.same(gone.include, []);
  t.same((await search('/Observation?_id=o5&_include=Observation:subject')).include, [], 'another server\'s Patient/p3');
  t.same((await search('/Observation?_id=o6&_include=Observation:subject')).include, ['Patient/p2'], 'this server by absolute URL');
  t.same((await search('/Observation?_id=o7&_include=Observation:performer')).include, [], 'a contained performer');
  t.same((await search('/Patient?_id=p3&_revinclude=Observation:subject')).include, ['Observation/o7'], 'o5 refers to another server');
  t.same((await search('/Patient?_id=p2&_revinclude=Observation:subject')).include, ['Observation/o3', 'Observation/o6']);
});

t.test('each page includes what its own matches refer to; total counts matches only', async (t) => {
  const pages: { match: string[]; include: string[]; total?: number }[] = [];
  let next: string | undefined = '/Observation?_id=o1,o3,o6&_count=1&_include=Observation:subject';
  while (next) {
    const page = await search(next);
    pages.push({ match: page.match, include: page.include, total: page.total });
    next = page.body.link.find((l: any) => l.relation === 'next')?.url;
  }
  t.same(pages, [
    { match: ['Observation/o1'], include: ['Patient/p1'], total: 3 },
    { match: ['Observation/o3'], include: ['Patient/p2'], total: 3 },
    { match: ['Observation/o6'], include: ['Patient/p2'], total: 3 },
  ]);
  const count = await search('/Observation?_id=o1,o3&_include=Observation:subject&_summary=count');
  t.same([count.total, count.match, count.include], [2, [], []]);
});

t.test('_elements and _summary shape included resources too', async (t) => {
  const res = await fhir.get('/Observation?_id=o1&_include=Observation:subject&_elements=status');
  const included = res.body.entry.find((e: any) => e.search.mode === 'include').resource;
  t.same([included.resourceType, included.id, included.name], ['Patient', 'p1', undefined]);
  t.ok(included.meta.tag.some((tag: any) => tag.code === 'SUBSETTED'));
});

t.test('malformed _include / _revinclude values are 400 OperationOutcomes', async (t) => {
  for (const query of [
    '_include=Observation:nonsense', '_include=Observation:code', '_include=Observatio:subject', '_include=Observation:subject:Patientt',
    '_revinclude=Provenance:nonsense', '_revinclude=Provenance:recorded', '_revinclude=*', '_include:deep=Observation:subject',
  ]) {
    const res = await fhir.get(`/Observation?${query}`);
    t.equal(res.status, 400, query);
    t.equal(res.body.resourceType, 'OperationOutcome', query);
    t.match(res.body.issue[0].diagnostics, /_(rev)?include/, query);
  }
});

t.test('bounds: :iterate stops after 5 rounds and at most 1000 resources are included, each time with a warning', async (t) => {
  // c0 -> c1 -> ... -> c7 through has-member.
  for (let i = 7; i >= 0; i--) await put(obs(`c${i}`, 'Patient/chain', i < 7 ? { hasMember: [ref(`Observation/c${i + 1}`)] } : {}));
  const within = await search('/Observation?_id=c1&_include:iterate=Observation:has-member');
  t.same(within.include, ['Observation/c2', 'Observation/c3', 'Observation/c4', 'Observation/c5', 'Observation/c6', 'Observation/c7']);
  t.same(within.outcome, [], 'six steps: the first round and five :iterate rounds, nothing cut');
  const cut = await search('/Observation?_id=c0&_include:iterate=Observation:has-member');
  t.same(cut.include, ['Observation/c1', 'Observation/c2', 'Observation/c3', 'Observation/c4', 'Observation/c5', 'Observation/c6']);
  t.match(cut.outcome, [/:iterate stopped after 5 rounds/]);

  await put({ ...patient('Многоанализный'), id: 'many' });
  const ids = Array.from({ length: 1001 }, (_, i) => `m${String(i).padStart(4, '0')}`);
  for (let i = 0; i < ids.length; i += 25) await Promise.all(ids.slice(i, i + 25).map((id) => put(obs(id, 'Patient/many'))));
  const capped = await search('/Patient?_id=many&_revinclude=Observation:subject');
  t.equal(capped.include.length, 1000);
  t.same(capped.include.slice(0, 2), ['Observation/m0000', 'Observation/m0001']);
  t.equal(capped.include.at(-1), 'Observation/m0999');
  t.match(capped.outcome, [/first 1000 included resources/]);
  t.equal(capped.body.entry.at(-1).search.mode, 'outcome', 'the warning is the last entry');
});

t.test('the CapabilityStatement lists the include values that work', async (t) => {
  const statement = (await fhir.get('/metadata')).body;
  const entry = (type: string) => statement.rest[0].resource.find((r: any) => r.type === type);
  const observationEntry = entry('Observation');
  for (const value of ['*', 'Observation:*', 'Observation:subject', 'Observation:performer', 'Observation:has-member']) {
    t.ok(observationEntry.searchInclude.includes(value), `Observation searchInclude ${value}`);
  }
  t.notOk(observationEntry.searchInclude.includes('Observation:code'));
  for (const value of ['Observation:subject', 'Provenance:target', 'DiagnosticReport:subject']) {
    t.ok(entry('Patient').searchRevInclude.includes(value), `Patient searchRevInclude ${value}`);
  }
  for (const type of ['Observation', 'DiagnosticReport']) {
    for (const value of entry(type).searchInclude) {
      const res = await fhir.get(`/${type}?_include=${encodeURIComponent(value)}`, { headers: { prefer: 'handling=strict' } });
      t.equal(res.status, 200, `${type}?_include=${value}`);
    }
  }
  for (const value of entry('Patient').searchRevInclude.filter((v: string) => /^(Observation|DiagnosticReport|Provenance|Consent):/.test(v))) {
    const res = await fhir.get(`/Patient?_revinclude=${encodeURIComponent(value)}`, { headers: { prefer: 'handling=strict' } });
    t.equal(res.status, 200, `Patient?_revinclude=${value}`);
  }
});
