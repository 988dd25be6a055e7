/** Why entries failed, grouped by reason and counted, with the first few places each reason struck. */

export interface FailureReason {
  /** The HTTP status of the entry ("412"), or what stood in for one ("not sent", "no answer"). */
  status: string;
  /** The error code: the catalogue code (FHIR_ERR_...) when the outcome carries one, else its issue code. */
  code: string;
  /** A short message: the outcome's diagnostics. */
  message: string;
  /** Failures with equal keys are one reason. */
  key: string;
}

export interface FailureGroup {
  reason: FailureReason;
  count: number;
  /** Where the first failures of this reason came from: "file line 17", "file entry 3 (POST Patient)". */
  examples: string[];
}

const EXAMPLES_PER_REASON = 3;

export class FailureSummary {
  private readonly groups = new Map<string, FailureGroup>();
  total = 0;

  /** Counts `count` failed entries under `reason`; `where` names them for the examples. */
  add(reason: FailureReason, count: number, where: string): void {
    let group = this.groups.get(reason.key);
    if (!group) {
      group = { reason, count: 0, examples: [] };
      this.groups.set(reason.key, group);
    }
    group.count += count;
    if (group.examples.length < EXAMPLES_PER_REASON) group.examples.push(where);
    this.total += count;
  }

  /** The reasons, most frequent first (ties in the order they first occurred). */
  byCount(): FailureGroup[] {
    return [...this.groups.values()].sort((a, b) => b.count - a.count);
  }
}

/** A reason known by its catalogue code: messages that differ only in ids still group together. */
export function codedReason(status: string, code: string, message: string): FailureReason {
  return { status, code, message, key: `${status} ${code}` };
}

/** A reason without a catalogue code: its message is part of what makes it distinct. */
export function uncodedReason(status: string, code: string, message: string): FailureReason {
  return { status, code, message, key: `${status} ${code} ${message}` };
}
