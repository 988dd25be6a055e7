/**
 * The AuditEvent hash chain over a real embedded store: appends in several transactions (some
 * concurrent, one rolled back), then the verifier against events changed, re-hashed and removed
 * directly in the store, and over a time range from the middle of the chain.
 */
import type { AuditEvent } from 'fhir/r4.js';
import t from 'tap';
import {
  AUDIT_CHAIN_COLLECTION, AUDIT_SEQUENCE_COLLECTION, type AuditSequenceEntry, appendAuditEvents, auditEventsInOrder,
  ensureAuditIndexes, sequenceKey,
} from '../../src/audit/audit-chain-store.js';
import { auditEventOf } from '../../src/audit/audit-event.js';
import { AUDIT_CHAIN_URL, GENESIS_HASH, chainLink, linkOf, verifyChain } from '../../src/audit/hash-chain.js';
import type { CurrentDocument } from '../../src/services/stored-document.js';
import { openTempStore } from '../support/temp-store.js';

const store = await openTempStore(t, 'audit-chain');
await ensureAuditIndexes(store);

const START = Date.parse('2025-01-01T00:00:00Z');
let made = 0;

/** The next event: each recorded a minute after the one before. */
function nextEvent(): AuditEvent {
  const n = made++;
  return auditEventOf({
    interaction: 'read', action: 'R', recorded: new Date(START + n * 60_000), outcome: { status: 200 },
    client: { clientId: `client-${n % 3}` }, address: '10.0.0.1', resource: { type: 'Patient', id: `p${n}`, versionId: 1 }, patient: `p${n}`,
  });
}

function append(count: number): Promise<string[]> {
  const events = Array.from({ length: count }, nextEvent);
  return store.withTransaction((session) => appendAuditEvents(store, session, events));
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const auditEvents = () => store.collection<CurrentDocument>('AuditEvent');

async function entryAt(sequence: number): Promise<AuditSequenceEntry> {
  return (await store.collection<AuditSequenceEntry>(AUDIT_SEQUENCE_COLLECTION).findOne({ _id: sequenceKey(sequence) }))!;
}

async function storedDocAt(sequence: number): Promise<CurrentDocument> {
  return (await auditEvents().findOne({ _id: (await entryAt(sequence)).id }))!;
}

t.test('a link covers everything but id and meta', async (t) => {
  const first = chainLink(nextEvent(), undefined);
  made--;
  const link = linkOf(first)!;
  t.equal(link.sequence, 1);
  t.equal(link.previous, GENESIS_HASH);
  t.match(link.hash, /^[0-9a-f]{64}$/);
  t.same(first.extension?.map((e) => e.url), [AUDIT_CHAIN_URL]);
  const stored = { ...first, id: 'x1', meta: { versionId: '1', lastUpdated: '2025-01-01T00:00:00Z' } };
  t.same(await verifyChain([stored]), { checked: 1 }, 'id and meta as the store sets them');
  const second = chainLink({ ...nextEvent(), id: 'ignored' }, link);
  made--;
  t.equal(linkOf(second)!.previous, link.hash);
  t.same(await verifyChain([first, second]), { checked: 2 });
  const changed = { ...first, outcome: '4' };
  t.same(await verifyChain([changed, second]), { checked: 0, firstBreak: { sequence: 1, reason: 'hash-mismatch' } });
  t.same(await verifyChain([second, first]), { checked: 1, firstBreak: { sequence: 1, reason: 'sequence-gap' } }, 'out of order');
  const unlinked = { ...second, extension: [] };
  t.equal((await verifyChain([first, unlinked])).firstBreak?.reason, 'hash-mismatch', 'an event without a link');
});

t.test('50 events appended in several transactions form one unbroken chain', async (t) => {
  // concurrent first, all racing to make the head; the events recorded later come in order after them
  await Promise.all([append(5), append(9), append(4)]);
  for (const size of [1, 6, 13]) await append(size);
  await t.rejects(store.withTransaction(async (session) => {
    await appendAuditEvents(store, session, [nextEvent()]);
    throw new Error('the interaction failed after its audit was written');
  }), /interaction failed/);
  made--;
  await append(12);

  const events = await all(auditEventsInOrder(store));
  t.equal(events.length, 50);
  t.same(events.map((e) => linkOf(e)!.sequence), Array.from({ length: 50 }, (_, i) => i + 1), 'in sequence order, no gap from the rolled-back append');
  t.ok(events.every((e) => e.id && e.meta?.versionId === '1'), 'stored events carry the ids the store gave them');
  const head = await store.collection(AUDIT_CHAIN_COLLECTION).findOne({ _id: 'head' });
  t.same({ sequence: head?.sequence, hash: head?.hash }, { sequence: 50, hash: linkOf(events[49]!)!.hash });
  t.same(await verifyChain(auditEventsInOrder(store)), { checked: 50 });
});

t.test('an event changed in the store breaks the chain at its sequence', async (t) => {
  const doc = await storedDocAt(23);
  const original = doc.json!;
  const event = JSON.parse(original) as AuditEvent;
  event.agent[0]!.who = { identifier: { value: 'someone-else' } };
  await auditEvents().updateOne({ _id: doc._id }, { $set: { json: JSON.stringify(event) } });
  t.same(await verifyChain(auditEventsInOrder(store)), { checked: 22, firstBreak: { sequence: 23, id: doc._id, reason: 'hash-mismatch' } });
  await auditEvents().updateOne({ _id: doc._id }, { $set: { json: original } });
  t.same(await verifyChain(auditEventsInOrder(store)), { checked: 50 }, 'intact again once restored');
});

t.test('an event changed and re-hashed in the store breaks the link to the next one', async (t) => {
  const doc = await storedDocAt(10);
  const original = doc.json!;
  const event = JSON.parse(original) as AuditEvent;
  const before = linkOf(JSON.parse((await storedDocAt(9)).json!) as AuditEvent)!;
  const forged = chainLink({ ...event, outcome: '8' }, before);
  await auditEvents().updateOne({ _id: doc._id }, { $set: { json: JSON.stringify(forged) } });
  const next = await storedDocAt(11);
  t.same(await verifyChain(auditEventsInOrder(store)), { checked: 10, firstBreak: { sequence: 11, id: next._id, reason: 'previous-mismatch' } });
  await auditEvents().updateOne({ _id: doc._id }, { $set: { json: original } });
});

t.test('an event removed from the store leaves a gap', async (t) => {
  const doc = await storedDocAt(30);
  await auditEvents().deleteOne({ _id: doc._id });
  const after = await storedDocAt(31);
  t.same(await verifyChain(auditEventsInOrder(store)), { checked: 29, firstBreak: { sequence: 31, id: after._id, reason: 'sequence-gap' } });
  await auditEvents().insertOne(doc);
  t.same(await verifyChain(auditEventsInOrder(store)), { checked: 50 });
});

t.test('a time range is verified from the middle of the chain', async (t) => {
  const minute = (n: number) => new Date(START + n * 60_000);
  const range = await all(auditEventsInOrder(store, minute(19), minute(39)));
  t.same(range.map((e) => linkOf(e)!.sequence), Array.from({ length: 20 }, (_, i) => i + 20), 'sequences 20 to 39: recorded at minutes 19 to 38');
  t.same(await verifyChain(auditEventsInOrder(store, minute(19), minute(39))), { checked: 20 });
  t.same(await verifyChain(auditEventsInOrder(store, minute(45))), { checked: 5 }, 'open-ended: to the head');
  t.same(await all(auditEventsInOrder(store, minute(50))), [], 'nothing recorded after the head');

  const doc = await storedDocAt(25);
  const event = JSON.parse(doc.json!) as AuditEvent;
  await auditEvents().updateOne({ _id: doc._id }, { $set: { json: JSON.stringify({ ...event, action: 'D' }) } });
  t.same(await verifyChain(auditEventsInOrder(store, minute(19), minute(39))), { checked: 5, firstBreak: { sequence: 25, id: doc._id, reason: 'hash-mismatch' } });
  t.same(await verifyChain(auditEventsInOrder(store, minute(30))), { checked: 20 }, 'a range after the change does not see it');
});
