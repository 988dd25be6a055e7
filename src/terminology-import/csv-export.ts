/**
 * A CSV export of an NSI dictionary, read line by line (readline), so a large one is never held
 * whole: a header row, then one record a row (a quoted field may span lines). UTF-8 with or without
 * a BOM; ";" or "," as separator. Blank lines are passed over; a row with a different number of
 * fields than the header (beyond empty trailing ones) is reported as malformed rather than guessed at.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { InputError } from '../import/input-error.js';
import { detectSeparator, splitCsvRecord } from './csv-record.js';
import type { DictionaryExport, ExportRow } from './dictionary-export.js';
import { assertUtf8, withoutBom } from './utf8-text.js';

interface CsvRecord {
  line: number;
  fields: string[];
}

/** Physical lines joined into records; the separator is detected on the first (the header) and reported in `detected`. */
async function* csvRecords(file: string, lines: AsyncIterable<string>, detected: { separator?: string }): AsyncGenerator<CsvRecord> {
  let number = 0;
  let pending: { line: number; text: string } | undefined;
  for await (const raw of lines) {
    number++;
    const line = number === 1 ? withoutBom(raw) : raw;
    assertUtf8(line, `${file} line ${number}`);
    if (!pending && line.trim() === '') continue;
    const record = pending ? { line: pending.line, text: `${pending.text}\n${line}` } : { line: number, text: line };
    detected.separator ??= detectSeparator(line);
    const fields = splitCsvRecord(record.text, detected.separator);
    pending = fields ? undefined : record;
    if (fields) yield { line: record.line, fields };
  }
  if (pending) throw new InputError(`${file} line ${pending.line}: a quoted field is not closed by the end of the file`);
}

function rowOf(record: CsvRecord, columns: number): ExportRow {
  const { fields } = record;
  const where = `line ${record.line}`;
  if (fields.length < columns || fields.slice(columns).some((field) => field.trim() !== '')) {
    return { where, problem: `has ${fields.length} fields, the header ${columns}` };
  }
  return { where, cells: fields.slice(0, columns).map((field) => field.trim()) };
}

async function* rowsOf(records: AsyncIterable<CsvRecord>, columns: number): AsyncGenerator<ExportRow> {
  for await (const record of records) yield rowOf(record, columns);
}

/** The header's names, without the empty ones a trailing separator leaves. */
function columnsOf(header: string[]): string[] {
  const columns = header.map((name) => name.trim());
  while (columns.length > 0 && columns[columns.length - 1] === '') columns.pop();
  return columns;
}

export async function readCsvExport(file: string): Promise<DictionaryExport> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  const detected: { separator?: string } = {};
  const records = csvRecords(file, lines, detected);
  const header = await records.next();
  if (header.done) throw new InputError(`${file} is empty: a header row naming the fields is expected`);
  const columns = columnsOf(header.value.fields);
  return { format: `CSV, separator "${detected.separator}"`, passport: {}, columns, rows: rowsOf(records, columns.length) };
}
