/**
 * The figures in a bench's printed output: each markdown table with the line that introduces it
 * (sizes, connections) and the lines right after it that carry figures (peak RSS, "Target: …"),
 * as markdown. Progress lines rewritten with \r count by their last state.
 */
export function outputTables(output: string): string[] {
  const lines = output.split('\n').map((line) => line.slice(line.lastIndexOf('\r') + 1).trimEnd());
  const blocks: string[] = [];
  let taken = 0; // lines before this belong to an earlier block
  for (let i = 0; i < lines.length; i++) {
    if (!isTableLine(lines[i]!)) continue;
    const start = i;
    while (i < lines.length && isTableLine(lines[i]!)) i++;
    const caption = captionBefore(lines, start, taken);
    const after = figureLinesAfter(lines, i);
    blocks.push([...caption, lines.slice(start, i).join('\n'), ...after.lines].join('\n\n'));
    taken = after.end;
    i = after.end - 1;
  }
  return blocks;
}

function isTableLine(line: string): boolean {
  return line.trimStart().startsWith('|');
}

/** The non-blank line just before the table (at most one blank line between), if no earlier block took it. */
function captionBefore(lines: string[], start: number, taken: number): string[] {
  let j = start - 1;
  if (j >= taken && lines[j] === '') j--;
  return j >= taken && lines[j] !== '' && !isTableLine(lines[j]!) ? [lines[j]!.trim()] : [];
}

/** Lines after the table with a figure in them, each at most one blank line from the last; ends at the first without. */
function figureLinesAfter(lines: string[], from: number): { lines: string[]; end: number } {
  const found: string[] = [];
  let end = from;
  for (let j = from; j < lines.length && j - end <= 1; j++) {
    const line = lines[j]!;
    if (line === '') continue;
    if (isTableLine(line) || !/\d/.test(line)) break;
    found.push(line.trim());
    end = j + 1;
  }
  return { lines: found, end };
}
