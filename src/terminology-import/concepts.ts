/**
 * The concepts of an export: one per row with a code, in the export's order. A row is skipped,
 * and counted, when its code was seen before (the first one stays), when it has no code, or when
 * it cannot be read or its code is not a FHIR code (datatypes.html#code: no leading, trailing or
 * repeated whitespace).
 */
import type { CodeSystemConcept } from 'fhir/r4.js';
import type { ExportRow } from './dictionary-export.js';
import type { FieldChoice } from './field-choice.js';

const EXAMPLES = 3;
const FHIR_CODE = /^[^\s]+( [^\s]+)*$/;

export interface Skipped {
  count: number;
  /** The first few, e.g. `line 7: 1000`. */
  examples: string[];
}

export interface ConceptsRead {
  concepts: CodeSystemConcept[];
  duplicates: Skipped;
  withoutCode: Skipped;
  malformed: Skipped;
}

const none = (): Skipped => ({ count: 0, examples: [] });

function skip(skipped: Skipped, example: string): void {
  skipped.count++;
  if (skipped.examples.length < EXAMPLES) skipped.examples.push(example);
}

export async function collectConcepts(rows: AsyncIterable<ExportRow>, fields: FieldChoice): Promise<ConceptsRead> {
  const read: ConceptsRead = { concepts: [], duplicates: none(), withoutCode: none(), malformed: none() };
  const seen = new Set<string>();
  for await (const row of rows) {
    if ('problem' in row) {
      skip(read.malformed, `${row.where}: ${row.problem}`);
      continue;
    }
    const code = row.cells[fields.code.index];
    const display = fields.display ? row.cells[fields.display.index] : undefined;
    if (code === undefined) skip(read.malformed, `${row.where}: ${fields.code.name} is not text`);
    else if (code === '') skip(read.withoutCode, row.where);
    else if (!FHIR_CODE.test(code)) skip(read.malformed, `${row.where}: ${JSON.stringify(code)} is not a valid code`);
    else if (seen.has(code)) skip(read.duplicates, `${row.where}: ${code}`);
    else {
      seen.add(code);
      read.concepts.push(display ? { code, display } : { code });
    }
  }
  return read;
}
