/**
 * POST [base] with a batch or transaction Bundle (http.html#transaction).
 * A batch runs each entry on its own: one failing entry is answered with its error and
 * the others go on. A transaction runs every entry in one store transaction: its writes
 * (services/transaction) and then its reads, which see those writes; any failure
 * throws, naming the entry, and nothing is written.
 */
import type { Bundle } from 'fhir/r4.js';
import { type RawEntry, bundleJson } from '../../fhir/bundle.js';
import { FhirError, entryError } from '../../fhir/errors.js';
import { type BundleRequestEntry, processableBundle } from '../../services/transaction/bundle-entries.js';
import { TransactionWrites, type WriteOutcome } from '../../services/transaction/transaction-writes.js';
import type { Repository } from '../../services/repository.js';
import type { SignatureVerification } from '../../services/signing/signature-verification.js';
import { signerProvenance } from '../../services/signing/signer-provenance.js';
import type { Version } from '../../services/stored-document.js';
import { clientIdOf } from '../client-identity.js';
import { assertPermitted } from '../../auth/authorization.js';
import { entryWritePermissions } from '../../auth/route-permissions.js';
import { reachOfClient } from '../../auth/token-reach.js';
import { DeferredDurabilityStore } from '../../store/deferred-durability-store.js';
import { SessionBoundStore } from '../../store/session-bound-store.js';
import type { Session } from '../../store/types.js';
import { answeredEntry, dispatchEntry, failedEntry } from '../bundle-entry.js';
import { storeErrorAsFhir } from '../error-handler.js';
import type { FhirRequest, FhirResponse } from '../fhir-request.js';
import { parsePrefer } from '../prefer.js';
import type { ServerContext } from '../server-context.js';

const BATCH_CONCURRENCY = 16;

interface BatchAnswer {
  entry: RawEntry;
  /** The version an entry wrote, for the signer's Provenance. */
  written?: Version;
}

async function batchEntry(entry: BundleRequestEntry | FhirError, request: FhirRequest, context: ServerContext): Promise<BatchAnswer> {
  if (entry instanceof FhirError) return { entry: failedEntry(entry) };
  try {
    const answer = await dispatchEntry(entry, request, context);
    const wrote = entry.method !== 'GET' && entry.method !== 'HEAD' && answer.response.status < 300;
    return { entry: answeredEntry(entry, answer.request, answer.response), written: wrote ? answer.response.version : undefined };
  } catch (err) {
    let fhirError = err instanceof FhirError ? err : storeErrorAsFhir(err);
    if (!fhirError) {
      // one entry's fault must not fail the others: it is logged and answered as a 500 of its own
      context.log.error({ err, entry: entry.index }, 'unexpected error in a batch entry');
      fhirError = new FhirError('FHIR_ERR_INTERNAL', [`batch entry ${entry.index}`]);
    }
    return { entry: failedEntry(entryError(fhirError, entry.index, entry.fullUrl)) };
  }
}

/**
 * Batch entries are independent (http.html#brules), so up to BATCH_CONCURRENCY run at once, each
 * in its own transaction: their commits share disk syncs, and one flush at the end makes every
 * entry durable before the answer reports it.
 */
async function batch(entries: (BundleRequestEntry | FhirError)[], request: FhirRequest, context: ServerContext, signed: SignedIntake | undefined): Promise<RawEntry[]> {
  const store = new DeferredDurabilityStore(context.store);
  const inBatch: ServerContext = { ...context, store, repository: context.repository.withStore(store) };
  const answers: BatchAnswer[] = new Array(entries.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < entries.length; i = next++) answers[i] = await batchEntry(entries[i]!, request, inBatch);
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, entries.length) }, worker));
  if (signed) await recordSigner(signed, answers.flatMap((answer) => answer.written ?? []), inBatch.repository);
  await store.flush();
  return answers.map((answer) => answer.entry);
}

/** A write entry's response entry, built as the interaction itself would answer. */
function writeAnswer(entry: BundleRequestEntry, request: FhirRequest, outcome: WriteOutcome): RawEntry {
  const response: FhirResponse = { status: outcome.status, version: outcome.version, preferApplies: outcome.status !== 204 && entry.method !== 'DELETE' };
  if (outcome.version?.json && response.preferApplies) response.json = outcome.version.json;
  return answeredEntry(entry, { ...request, query: new URLSearchParams() }, response);
}

/** A signed Bundle as it arrived, with the verification of its signature. */
interface SignedIntake {
  bundle: Bundle;
  verification: SignatureVerification;
}

async function recordSigner(signed: SignedIntake, written: Version[], repository: Repository): Promise<void> {
  const provenance = signerProvenance(signed.bundle, signed.verification, written, new Date());
  if (provenance) await repository.create(provenance, 'Provenance');
}

async function transactionEntries(session: Session, entries: BundleRequestEntry[], request: FhirRequest, context: ServerContext, signed: SignedIntake | undefined): Promise<RawEntry[]> {
  const preferred = parsePrefer(request.headers.prefer).return;
  const keepBodies = preferred === undefined || preferred === 'representation';
  const store = new SessionBoundStore(context.store, session);
  const inTransaction: ServerContext = { ...context, store, repository: context.repository.withStore(store) };
  const writes = await new TransactionWrites(context.store, session, inTransaction.repository, request.baseUrl, reachOfClient(request.client)).run(entries, keepBodies);
  if (signed) await recordSigner(signed, [...writes.values()].flatMap((outcome) => outcome.version ?? []), inTransaction.repository);
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

async function transaction(entries: (BundleRequestEntry | FhirError)[], request: FhirRequest, context: ServerContext, signed: SignedIntake | undefined): Promise<RawEntry[]> {
  const invalid = entries.find((entry) => entry instanceof FhirError);
  if (invalid) throw invalid;
  const valid = entries as BundleRequestEntry[];
  for (const entry of valid) assertEntryPermitted(entry, request);
  return context.store.withTransaction((session) => transactionEntries(session, valid, request, context, signed));
}

/** A transaction's writes skip the interactions' own checks, so each is checked here, before any runs. */
function assertEntryPermitted(entry: BundleRequestEntry, request: FhirRequest): void {
  const conditional = entry.ifNoneExist !== undefined || (entry.method !== 'POST' && !entry.path.includes('/'));
  const [type, id] = entry.path.split('/');
  const asRequest: FhirRequest = { ...request, method: entry.method, type, id, query: new URLSearchParams(entry.query), body: entry.resource };
  try {
    assertPermitted(asRequest, entryWritePermissions(entry.method, entry.path, conditional));
  } catch (err) {
    throw err instanceof FhirError ? entryError(err, entry.index, entry.fullUrl) : err;
  }
}

/** The signature a Bundle carries is verified (and the policy applied) before any entry runs. */
function signedIntake(request: FhirRequest, context: ServerContext): SignedIntake | undefined {
  const body = request.body as Bundle | undefined;
  if (typeof body !== 'object' || body === null || body.resourceType !== 'Bundle') return undefined;
  const verification = context.signing.checkIncoming(body, clientIdOf(request));
  return verification ? { bundle: body, verification } : undefined;
}

export async function bundle(request: FhirRequest, context: ServerContext): Promise<FhirResponse> {
  const signed = signedIntake(request, context);
  const { type, entries } = processableBundle(request.body, request.baseUrl);
  const answers = type === 'batch' ? await batch(entries, request, context, signed) : await transaction(entries, request, context, signed);
  return { status: 200, json: bundleJson(`${type}-response`, answers, []) };
}
