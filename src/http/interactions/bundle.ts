/**
 * POST [base] with a batch or transaction Bundle (http.html#transaction).
 * A batch runs each entry on its own: one failing entry is answered with its error and
 * the others go on. A transaction runs every entry in one store transaction: its writes
 * (services/transaction) and then its reads, which see those writes; any failure
 * throws, naming the entry, and nothing is written.
 */
import { type RawEntry, bundleJson } from '../../fhir/bundle.js';
import { FhirError, entryError } from '../../fhir/errors.js';
import { type BundleRequestEntry, processableBundle } from '../../services/transaction/bundle-entries.js';
import { TransactionWrites, type WriteOutcome } from '../../services/transaction/transaction-writes.js';
import { DeferredDurabilityStore } from '../../store/deferred-durability-store.js';
import { SessionBoundStore } from '../../store/session-bound-store.js';
import type { Session } from '../../store/types.js';
import { answeredEntry, dispatchEntry, failedEntry } from '../bundle-entry.js';
import { storeErrorAsFhir } from '../error-handler.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import { parsePrefer } from '../prefer.js';
import type { ServerContext } from '../server-context.js';

const BATCH_CONCURRENCY = 16;

async function batchEntry(entry: BundleRequestEntry | FhirError, request: FhirRequest, context: ServerContext): Promise<RawEntry> {
  if (entry instanceof FhirError) return failedEntry(entry);
  try {
    const answer = await dispatchEntry(entry, request, context);
    return answeredEntry(entry, answer.request, answer.response);
  } catch (err) {
    let fhirError = err instanceof FhirError ? err : storeErrorAsFhir(err);
    if (!fhirError) {
      // one entry's fault must not fail the others: it is logged and answered as a 500 of its own
      context.log.error({ err, entry: entry.index }, 'unexpected error in a batch entry');
      fhirError = new FhirError('FHIR_ERR_INTERNAL', [`batch entry ${entry.index}`]);
    }
    return failedEntry(entryError(fhirError, entry.index, entry.fullUrl));
  }
}

/**
 * Batch entries are independent (http.html#brules), so up to BATCH_CONCURRENCY run at once, each
 * in its own transaction: their commits share disk syncs, and one flush at the end makes every
 * entry durable before the answer reports it.
 */
async function batch(entries: (BundleRequestEntry | FhirError)[], request: FhirRequest, context: ServerContext): Promise<RawEntry[]> {
  const store = new DeferredDurabilityStore(context.store);
  const inBatch: ServerContext = { ...context, store, repository: context.repository.withStore(store) };
  const answers: RawEntry[] = new Array(entries.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < entries.length; i = next++) answers[i] = await batchEntry(entries[i]!, request, inBatch);
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, entries.length) }, worker));
  await store.flush();
  return answers;
}

/** A write entry's response entry, built as the interaction itself would answer. */
function writeAnswer(entry: BundleRequestEntry, request: FhirRequest, outcome: WriteOutcome): RawEntry {
  const response: FhirResponse = { status: outcome.status, version: outcome.version, preferApplies: outcome.status !== 204 && entry.method !== 'DELETE' };
  if (outcome.version?.json && response.preferApplies) response.json = outcome.version.json;
  return answeredEntry(entry, { ...request, query: new URLSearchParams() }, response);
}

async function transactionEntries(session: Session, entries: BundleRequestEntry[], request: FhirRequest, context: ServerContext): Promise<RawEntry[]> {
  const preferred = parsePrefer(request.headers.prefer).return;
  const keepBodies = preferred === undefined || preferred === 'representation';
  const store = new SessionBoundStore(context.store, session);
  const inTransaction: ServerContext = { ...context, store, repository: context.repository.withStore(store) };
  const writes = await new TransactionWrites(context.store, session, inTransaction.repository, request.baseUrl).run(entries, keepBodies);
  const answers: RawEntry[] = [];
  for (const entry of entries) {
    const outcome = writes.get(entry.index);
    if (outcome) {
      answers.push(writeAnswer(entry, request, outcome));
      continue;
    }
    try {
      const answer = await dispatchEntry(entry, request, inTransaction);
      answers.push(answeredEntry(entry, answer.request, answer.response));
    } catch (err) {
      throw err instanceof FhirError ? entryError(err, entry.index, entry.fullUrl) : err;
    }
  }
  return answers;
}

async function transaction(entries: (BundleRequestEntry | FhirError)[], request: FhirRequest, context: ServerContext): Promise<RawEntry[]> {
  const invalid = entries.find((entry) => entry instanceof FhirError);
  if (invalid) throw invalid;
  const valid = entries as BundleRequestEntry[];
  return context.store.withTransaction((session) => transactionEntries(session, valid, request, context));
}

export async function bundle(request: FhirRequest, context: ServerContext): Promise<FhirResponse> {
  const { type, entries } = processableBundle(request.body, request.baseUrl);
  const answers = type === 'batch' ? await batch(entries, request, context) : await transaction(entries, request, context);
  return { status: 200, json: bundleJson(`${type}-response`, answers, []) };
}
