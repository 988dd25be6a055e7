import type { ImportResult } from './run-import.js';

/** The summary printed at the end: counts, time, rate, then the failures by reason with examples. */
export function formatSummary({ imported, failures, elapsedMs }: ImportResult): string {
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round((imported + failures.total) / seconds) : 0;
  const lines = [
    'Import finished',
    `  imported: ${imported} resources`,
    `  failed:   ${failures.total} resources`,
    `  elapsed:  ${seconds.toFixed(1)} s`,
    `  rate:     ${rate} resources/s`,
  ];
  const groups = failures.byCount();
  if (groups.length > 0) lines.push('Failures by reason (count, status, code, message):');
  for (const { reason, count, examples } of groups) {
    lines.push(`  ${count} × ${reason.status} ${reason.code}: ${reason.message}`);
    for (const where of examples) lines.push(`      e.g. ${where}`);
  }
  return `${lines.join('\n')}\n`;
}
