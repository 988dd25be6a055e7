import t from 'tap';
import { newId } from '../../src/fhir/ids.ts';

t.test('server ids are 26 base32hex characters, unique, and sort by creation time', async (t) => {
  const ids: string[] = [];
  for (let i = 0; i < 3000; i++) ids.push(newId());
  await new Promise((resolve) => setTimeout(resolve, 5));
  const later = newId();
  t.ok(ids.every((id) => /^[0-9a-v]{26}$/.test(id)), 'every id is 26 base32hex digits');
  t.equal(new Set(ids).size, ids.length, 'no id repeats, across several refills of the random pool');
  t.ok(ids.every((id) => id < later), 'an id made later sorts after every earlier one');
  const stamp = (id: string) => parseInt(id.slice(0, 10), 32);
  t.ok(Math.abs(stamp(later) - Date.now()) < 1000, 'the first 10 digits are the creation time in milliseconds');
  const randomTails = new Set(ids.map((id) => id.slice(10, 11)));
  t.ok(randomTails.size > 16, 'the random part uses the whole digit range');
});
