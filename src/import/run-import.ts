import { noAnswerReason, readAnswer } from './entry-results.js';
import { FailureSummary } from './failure-summary.js';
import type { ProgressBar } from './progress.js';
import type { ImportTarget, TargetAnswer } from './target.js';
import type { ImportUnit, WorkItem } from './work-items.js';

export interface ImportResult {
  imported: number;
  failures: FailureSummary;
  elapsedMs: number;
}

interface Tally {
  imported: number;
  failures: FailureSummary;
  progress: ProgressBar;
}

/** Names a Bundle that failed as a whole, in the examples. */
function wholeUnit(unit: ImportUnit): string {
  const count = unit.entryLabels.length;
  return `${unit.file} (all ${count} ${count === 1 ? 'entry' : 'entries'} of the ${unit.bundleType})`;
}

async function send(unit: ImportUnit, target: ImportTarget, tally: Tally): Promise<void> {
  const count = unit.entryLabels.length;
  let answer: TargetAnswer;
  try {
    answer = await target.post(unit.body);
  } catch (err) {
    tally.failures.add(noAnswerReason(err), count, wholeUnit(unit));
    return;
  }
  const result = readAnswer(answer, unit.bundleType, count);
  if ('whole' in result) {
    tally.failures.add(result.whole, count, wholeUnit(unit));
    return;
  }
  result.entries.forEach((reason, i) => {
    if (reason) tally.failures.add(reason, 1, `${unit.file} ${unit.entryLabels[i]}`);
    else tally.imported++;
  });
}

async function handle(item: WorkItem, target: ImportTarget, tally: Tally): Promise<void> {
  if (item.kind === 'rejection') {
    tally.failures.add(item.reason, 1, `${item.file} ${item.label}`);
    tally.progress.advance(1);
    return;
  }
  await send(item, target, tally);
  tally.progress.advance(item.entryLabels.length);
}

/**
 * Sends the work items to the target with at most `concurrency` Bundles in flight. The workers share
 * one iterator (an async generator queues concurrent next() calls), so a file is read only as fast
 * as its Bundles are sent.
 */
export async function runImport(items: AsyncIterable<WorkItem>, target: ImportTarget, concurrency: number, progress: ProgressBar): Promise<ImportResult> {
  const started = Date.now();
  const tally: Tally = { imported: 0, failures: new FailureSummary(), progress };
  const iterator = items[Symbol.asyncIterator]();
  const worker = async () => {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) await handle(next.value, target, tally);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { imported: tally.imported, failures: tally.failures, elapsedMs: Date.now() - started };
}
