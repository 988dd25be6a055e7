import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { codedReason, FailureSummary, uncodedReason } from '../../src/import/failure-summary.ts';
import { formatProgress, ProgressBar } from '../../src/import/progress.ts';

t.test('a progress line: bar, done/total, percent, rate and time left', async (t) => {
  t.equal(formatProgress(250, 1000, 2000), '[######..................]  250/1000 resources  25%  125 resources/s  ETA 0:06');
  t.equal(formatProgress(0, 1000, 0), '[........................]    0/1000 resources  0%  0 resources/s  ETA -:--');
  t.equal(formatProgress(1000, 1000, 4000), '[########################] 1000/1000 resources  100%  250 resources/s  ETA 0:00');
  t.equal(formatProgress(1, 10_000, 1000), '[........................]     1/10000 resources  0%  1 resources/s  ETA 2:46:39');
  t.equal(formatProgress(0, 0, 10), '[########################] 0/0 resources  100%  0 resources/s  ETA -:--', 'nothing to do is done');
});

function recorder(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (text: string) => writes.push(text) > 0 };
}

t.test('on a terminal the bar is redrawn in place at most 5 times a second', async (t) => {
  const stream = recorder(true);
  const bar = new ProgressBar(100, stream);
  for (let i = 0; i < 10; i++) {
    bar.advance(5);
    await sleep(100);
  }
  bar.finish();
  t.ok(stream.writes.length >= 3 && stream.writes.length <= 8, `${stream.writes.length} draws in about a second`);
  t.ok(stream.writes.slice(0, -1).every((w) => w.startsWith('\r\x1b[2K[')), 'each draw overwrites the line');
  t.match(stream.writes.at(-2), /\] {2}50\/100 resources {2}50%/, 'the last draw shows the final count');
  t.equal(stream.writes.at(-1), '\n');
});

t.test('in a log the bar is a plain line every few seconds, and one at the end', async (t) => {
  const stream = recorder(false);
  const bar = new ProgressBar(4, stream);
  bar.advance(4);
  await sleep(300);
  t.same(stream.writes, [], 'no line before five seconds');
  bar.finish();
  t.equal(stream.writes.length, 1);
  t.match(stream.writes[0], /^\[#+\] 4\/4 resources {2}100% {2}\d+ resources\/s {2}ETA 0:00\n$/);
});

t.test('failures are grouped by reason and sorted by count, with the first three places of each', async (t) => {
  const summary = new FailureSummary();
  summary.add(codedReason('not sent', 'FHIR_ERR_JSON_MALFORMED', 'the line is not JSON (a)'), 1, 'a.ndjson line 2');
  summary.add(codedReason('412', 'FHIR_ERR_VERSION_CONFLICT', 'Version conflict: Patient/1 ...'), 1, 'b.json entry 1');
  summary.add(codedReason('412', 'FHIR_ERR_VERSION_CONFLICT', 'Version conflict: Patient/2 ...'), 1, 'b.json entry 2');
  summary.add(codedReason('400', 'FHIR_ERR_VERSION_CONFLICT', 'another status'), 1, 'c.json entry 1');
  summary.add(uncodedReason('400', 'invalid', 'one message'), 1, 'd.json entry 1');
  summary.add(uncodedReason('400', 'invalid', 'another message'), 1, 'd.json entry 2');
  summary.add(codedReason('not sent', 'FHIR_ERR_JSON_MALFORMED', 'the line is not JSON (b)'), 4, 'a.ndjson line 3');
  summary.add(codedReason('not sent', 'FHIR_ERR_JSON_MALFORMED', 'the line is not JSON (c)'), 1, 'a.ndjson line 9');
  summary.add(codedReason('not sent', 'FHIR_ERR_JSON_MALFORMED', 'the line is not JSON (d)'), 1, 'a.ndjson line 10');
  t.equal(summary.total, 12);
  t.same(summary.byCount().map((g) => [g.count, g.reason.status, g.reason.code, g.reason.message, g.examples]), [
    [7, 'not sent', 'FHIR_ERR_JSON_MALFORMED', 'the line is not JSON (a)', ['a.ndjson line 2', 'a.ndjson line 3', 'a.ndjson line 9']],
    [2, '412', 'FHIR_ERR_VERSION_CONFLICT', 'Version conflict: Patient/1 ...', ['b.json entry 1', 'b.json entry 2']],
    [1, '400', 'FHIR_ERR_VERSION_CONFLICT', 'another status', ['c.json entry 1']],
    [1, '400', 'invalid', 'one message', ['d.json entry 1']],
    [1, '400', 'invalid', 'another message', ['d.json entry 2']],
  ]);
});
