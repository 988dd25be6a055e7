/**
 * The audit linker over a real embedded store: a backlog of pending documents (single write events,
 * and batches of records with and without their count) linked by two linkers racing each other.
 * Every pending event must land in the chain exactly once, in pending order, the chain must verify
 * and nothing may stay pending.
 */
import type { AuditEvent } from 'fhir/r4.js';
import t from 'tap';
import { auditEventsInOrder } from '../../src/audit/audit-chain-store.js';
import { type AuditRecord, THIS_SERVER, auditEventOf } from '../../src/audit/audit-event.js';
import { AUDIT_PENDING_COLLECTION, AuditLinker, type PendingAuditEvent, pendingId } from '../../src/audit/audit-linker.js';
import { verifyChain } from '../../src/audit/hash-chain.js';
import { openTempStore } from '../support/temp-store.js';

const store = await openTempStore(t, 'audit-linker');
const pending = store.collection<PendingAuditEvent>(AUDIT_PENDING_COLLECTION);

let made = 0;
function record(): AuditRecord {
  const n = made++;
  return { interaction: 'read', action: 'R', recorded: new Date(Date.UTC(2026, 0, 1) + n), outcome: { status: 200 }, requestId: `request-${n}` };
}

/** The backlog, in pending order: write events one by one, and batches of up to 500 records. */
const backlog: PendingAuditEvent[] = [];
for (let i = 0; i < 60; i++) {
  if (i % 4 === 0) {
    const records = Array.from({ length: 100 + 97 * (i % 5) }, record);
    const legacy = i % 8 === 0;
    backlog.push({ _id: pendingId(), records: JSON.stringify(records), ...(legacy ? {} : { count: records.length }) });
  } else {
    backlog.push({ _id: pendingId(), json: JSON.stringify(auditEventOf(record(), THIS_SERVER)) });
  }
}

// in a subtest, which tap awaits: at the top level it may end the test while a store call is still pending
t.test('two linkers racing over the backlog', async (t) => {
  for (const doc of backlog) await pending.insertOne(doc);
  const linkers = [new AuditLinker(store, THIS_SERVER), new AuditLinker(store, THIS_SERVER)];
  await Promise.all(linkers.map((linker) => linker.start()));
  await Promise.all(linkers.map((linker) => linker.linkAll()));

  const chain: AuditEvent[] = [];
  for await (const event of auditEventsInOrder(store)) chain.push(event);
  const requestIds = chain.map((event) => event.entity?.find((entity) => entity.what?.identifier?.value)?.what?.identifier?.value);

  t.equal(await pending.countDocuments(), 0, 'nothing stays pending');
  t.equal(chain.length, made, `each of the ${made} pending events is linked once`);
  t.same(requestIds, Array.from({ length: made }, (_, n) => `request-${n}`), 'in the order they were pending');
  t.same(await verifyChain(chain), { checked: made }, 'the chain verifies');
  t.equal(await linkers[0]!.linkOnce(), false, 'an empty backlog links nothing');
});
