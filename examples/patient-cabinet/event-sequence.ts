/**
 * What one subscription's event numbers tell: which arrived, which were skipped (missing until
 * they arrive), and how often a number came again. Numbers start at 1 with the subscription, so
 * the numbers held are only those above the last unbroken run.
 */
export interface EventSequenceState {
  /** Every number from 1 to this one has arrived. */
  complete: number;
  /** The numbers arrived above `complete`. */
  above: number[];
  /** The highest event count a notification announced (events-since-subscription-start). */
  announced: number;
  duplicates: number;
  received: number;
}

export class EventSequence {
  private complete: number;
  private readonly above: Set<number>;
  private announced: number;
  private duplicateCount: number;
  private receivedCount: number;

  constructor(state?: EventSequenceState) {
    this.complete = state?.complete ?? 0;
    this.above = new Set(state?.above ?? []);
    this.announced = state?.announced ?? 0;
    this.duplicateCount = state?.duplicates ?? 0;
    this.receivedCount = state?.received ?? 0;
  }

  /** True for a number not seen before; a number seen before counts as a duplicate. */
  observe(eventNumber: number): boolean {
    if (eventNumber <= this.complete || this.above.has(eventNumber)) {
      this.duplicateCount += 1;
      return false;
    }
    this.above.add(eventNumber);
    this.receivedCount += 1;
    while (this.above.delete(this.complete + 1)) this.complete += 1;
    return true;
  }

  /** A notification saying `count` events happened so far: numbers up to it not seen are missing. */
  announce(count: number): void {
    this.announced = Math.max(this.announced, count);
  }

  get last(): number {
    let last = this.complete;
    for (const number of this.above) if (number > last) last = number;
    return last;
  }

  missing(): number[] {
    const missing: number[] = [];
    const end = Math.max(this.last, this.announced);
    for (let number = this.complete + 1; number <= end; number += 1) if (!this.above.has(number)) missing.push(number);
    return missing;
  }

  get duplicates(): number {
    return this.duplicateCount;
  }

  get received(): number {
    return this.receivedCount;
  }

  state(): EventSequenceState {
    const above = [...this.above].sort((a, b) => a - b);
    return { complete: this.complete, above, announced: this.announced, duplicates: this.duplicateCount, received: this.receivedCount };
  }
}
