/**
 * Search paging: next/previous links carry a keyset cursor, so paging through a result
 * neither skips nor repeats a match while other clients create and delete resources.
 */
import t from 'tap';
import { type Client, client } from '../support/fhir-client.js';
import { observation, patient } from '../support/fixtures.js';
import { startServer } from '../support/server.js';

const server = await startServer();
t.teardown(() => server.close());
const fhir = client(server.base);

const subject = (await fhir.post('/Patient', patient('Страничный', '11223344595'))).body.id as string;
/** An Observation of the subject on day `day` of March 2024, or without a date when day is undefined. */
const dated = (day: number | undefined, status = 'final') => {
  const { effectiveDateTime: _, ...rest } = observation(subject);
  return day === undefined ? { ...rest, status } : { ...rest, status, effectiveDateTime: `2024-03-${String(day).padStart(2, '0')}` };
};
const created: { id: string; day?: number; status: string }[] = [];
for (let day = 1; day <= 24; day++) {
  const status = day % 3 === 0 ? 'preliminary' : 'final';
  const undated = day % 8 === 0;
  const res = await fhir.post('/Observation', dated(undated ? undefined : day, status));
  created.push({ id: res.body.id, day: undated ? undefined : day, status });
}

const linkOf = (bundle: any, relation: string): string | undefined => bundle.link.find((l: any) => l.relation === relation)?.url;
const idsOf = (bundle: any): string[] => (bundle.entry ?? []).map((e: any) => e.resource.id);

/** Follows next links from `first`, calling `between` before each next page; returns every id seen, in order. */
async function pageThrough(api: Client, first: string, between: (page: number) => Promise<void> = async () => {}): Promise<string[]> {
  const seen: string[] = [];
  let url: string | undefined = first;
  for (let page = 0; url; page++) {
    const res = await api.get(url);
    t.equal(res.status, 200, `page ${page} answers 200`);
    seen.push(...idsOf(res.body));
    url = linkOf(res.body, 'next');
    if (url) await between(page);
  }
  return seen;
}

/** The whole result in one page: the order paging must reproduce. */
async function onePage(query: string): Promise<string[]> {
  return idsOf((await fhir.get(`/Observation?${query}&_count=1000`)).body);
}

t.test('pages in every sort order give the one-page result exactly, missing dates included', async (t) => {
  for (const sort of ['', '&_sort=date', '&_sort=-date', '&_sort=status,-date', '&_sort=-_lastUpdated']) {
    const query = `subject=Patient/${subject}${sort}`;
    const all = await onePage(query);
    t.equal(all.length, 24, `${sort || 'default order'}: every match`);
    t.same(await pageThrough(fhir, `/Observation?${query}&_count=5`), all, `${sort || 'default order'}: pages of 5 in order`);
  }
  const byDateDesc = await onePage(`subject=Patient/${subject}&_sort=-date`);
  const expected = created.filter((c) => c.day !== undefined).sort((a, b) => b.day! - a.day!).map((c) => c.id);
  t.same(byDateDesc.slice(0, expected.length), expected, 'descending dates first, the undated last');
});

t.test('writes between pages neither skip nor repeat the matches that existed', async (t) => {
  const query = `subject=Patient/${subject}&_sort=-date&_count=4`;
  const before = await onePage(`subject=Patient/${subject}&_sort=-date`);
  const added: string[] = [];
  const seen = await pageThrough(fhir, `/Observation?${query}`, async (page) => {
    // new matches that sort onto pages already read: offset paging would repeat the next page's first matches
    const res = await fhir.post('/Observation', dated(28 - page));
    added.push(res.body.id);
  });
  t.equal(new Set(seen).size, seen.length, 'no match is repeated');
  t.same(seen.filter((id) => before.includes(id)), before, 'every match that existed is seen, in order');
  t.ok(added.length >= 5, 'resources were created while paging');
  for (const id of added) await fhir.delete(`/Observation/${id}`);
});

t.test('deleting already-seen matches does not make the next page skip', async (t) => {
  const query = `subject=Patient/${subject}&_count=5`;
  const before = await onePage(`subject=Patient/${subject}`);
  const victims: string[] = [];
  const seen = await pageThrough(fhir, `/Observation?${query}`, async (page) => {
    if (page > 1) return;
    const first = before[page * 5]!;
    victims.push(first);
    await fhir.delete(`/Observation/${first}`);
  });
  t.same(seen, before, 'every match seen once, in order, though two seen ones were deleted meanwhile');
  for (const id of victims) {
    const restored = await fhir.put(`/Observation/${id}`, { ...dated(1), id });
    t.equal(restored.status, 201);
  }
});

t.test('a previous link leads back to exactly the page before', async (t) => {
  const query = `subject=Patient/${subject}&_sort=date&_count=5`;
  const pages: any[] = [];
  let url: string | undefined = `/Observation?${query}`;
  while (url) {
    const res = await fhir.get(url);
    pages.push(res.body);
    url = linkOf(res.body, 'next');
  }
  t.ok(pages.length >= 4);
  t.notOk(linkOf(pages[0], 'previous'), 'the first page has no previous link');
  for (let i = pages.length - 1; i > 0; i--) {
    const back = await fhir.get(linkOf(pages[i], 'previous')!);
    t.same(idsOf(back.body), idsOf(pages[i - 1]), `previous of page ${i} is page ${i - 1}`);
    t.same(idsOf((await fhir.get(linkOf(back.body, 'next')!)).body), idsOf(pages[i]), `and its next is page ${i} again`);
  }
  const fromSecond = await fhir.get(linkOf(pages[1], 'previous')!);
  t.notOk(linkOf(fromSecond.body, 'previous'), 'going back to the first page: no previous link');
});

t.test('a malformed or foreign cursor is a 400, never an operator', async (t) => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  for (const cursor of [
    'not-base64-json',
    encode(['next', [['s', { $gt: '' }], ['s', 'x']]]),
    encode(['next', [{ $where: 'sleep(100)' }, ['s', 'x']]]),
    encode(['sideways', [['s', 'x'], ['s', 'y']]]),
    encode(['next', [['s', 'only-one-value-for-two-sort-keys']]]),
  ]) {
    const res = await fhir.get(`/Observation?subject=Patient/${subject}&_sort=date&_cursor=${cursor}`);
    t.equal(res.status, 400, `cursor ${cursor.slice(0, 30)}… is refused`);
    t.equal(res.body.resourceType, 'OperationOutcome');
  }
});
