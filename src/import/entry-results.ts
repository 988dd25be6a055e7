import { codedReason, type FailureReason, uncodedReason } from './failure-summary.js';
import type { TargetAnswer } from './target.js';

interface OutcomeShape {
  resourceType?: unknown;
  issue?: { code?: string; diagnostics?: string; details?: { text?: string; coding?: { code?: string }[] } }[];
}

interface ResponseBundleShape {
  resourceType?: unknown;
  type?: unknown;
  entry?: { response?: { status?: unknown; outcome?: OutcomeShape } }[];
}

/** The first issue of an OperationOutcome as a reason: its catalogue code when it has one, else its issue code. */
export function reasonOfOutcome(status: string, outcome: unknown, fallback: string): FailureReason {
  const issue = (outcome as OutcomeShape | undefined)?.issue?.[0];
  const message = (issue?.diagnostics ?? issue?.details?.text ?? fallback).slice(0, 200);
  const catalogueCode = issue?.details?.coding?.[0]?.code;
  if (catalogueCode) return codedReason(status, catalogueCode, message);
  return uncodedReason(status, issue?.code ?? 'unknown', message);
}

function isResponseBundle(body: unknown, bundleType: string): body is ResponseBundleShape {
  const bundle = body as ResponseBundleShape | undefined;
  return bundle?.resourceType === 'Bundle' && bundle.type === `${bundleType}-response` && Array.isArray(bundle.entry);
}

/** The whole Bundle failed: a failed transaction, or a batch refused as a whole (too large, malformed). */
export interface WholeFailure {
  whole: FailureReason;
}

/** Per entry, in entry order: null when it succeeded, else why it failed. */
export interface EntryResults {
  entries: (FailureReason | null)[];
}

function entryResult(entry: NonNullable<ResponseBundleShape['entry']>[number] | undefined): FailureReason | null {
  const statusText = entry?.response?.status;
  if (typeof statusText !== 'string') return uncodedReason('no status', 'unknown', 'the response has no status for this entry');
  const status = statusText.trim().split(/\s/)[0]!;
  if (status.startsWith('2')) return null;
  return reasonOfOutcome(status, entry?.response?.outcome, statusText);
}

/** Reads a target's answer to a Bundle of `entryCount` entries (transaction.html#response, batch responses alike). */
export function readAnswer(answer: TargetAnswer, bundleType: 'transaction' | 'batch', entryCount: number): WholeFailure | EntryResults {
  const status = String(answer.status);
  if (answer.status < 200 || answer.status > 299) {
    return { whole: reasonOfOutcome(status, answer.body, `the server answered ${status}`) };
  }
  if (!isResponseBundle(answer.body, bundleType)) {
    return { whole: uncodedReason(status, 'unexpected-answer', `the server did not answer with a ${bundleType}-response Bundle`) };
  }
  const entries = answer.body.entry!;
  return { entries: Array.from({ length: entryCount }, (_, i) => entryResult(entries[i])) };
}

/** A Bundle that got no answer at all (connection refused or reset, timeout). */
export function noAnswerReason(err: unknown): FailureReason {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (err as Error).name ?? 'Error';
  return codedReason('no answer', code, cause?.message ?? (err as Error).message ?? String(err));
}
