import type { FailureReason } from './failure-summary.js';

/** One Bundle to send: a transaction or batch file as it is, or a batch made of NDJSON lines. */
export interface ImportUnit {
  kind: 'unit';
  /** The file it came from, as shown in the summary. */
  file: string;
  bundleType: 'transaction' | 'batch';
  /** The Bundle as JSON text. */
  body: string;
  /** Where each entry came from, in entry order: "entry 3 (POST Patient)" or "line 17". */
  entryLabels: string[];
}

/** An entry refused before sending, such as an NDJSON line that is not a resource. */
export interface Rejection {
  kind: 'rejection';
  file: string;
  label: string;
  reason: FailureReason;
}

export type WorkItem = ImportUnit | Rejection;
