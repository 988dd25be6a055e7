/**
 * A JSON export of an NSI dictionary: an object with the passport (oid, version, a name; at the
 * top level or under "passport") and its records under "data", "rows" or "records", or a bare
 * array of records. Keys are matched without regard to case. Read whole: JSON exports are small
 * enough, and JSON cannot be cut into records without parsing it.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../import/input-error.js';
import { type DictionaryExport, type ExportRow, type Passport, cellText } from './dictionary-export.js';
import { assertUtf8, withoutBom } from './utf8-text.js';

type Json = Record<string, unknown>;

const RECORD_KEYS = ['data', 'rows', 'records'];
const TITLE_KEYS = ['fullName', 'name', 'shortName'];

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function fieldOf(object: Json, name: string): unknown {
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

function textOf(object: Json, names: string[]): string | undefined {
  for (const name of names) {
    const text = cellText(fieldOf(object, name));
    if (text) return text;
  }
  return undefined;
}

function passportOf(json: Json): Passport {
  const nested = fieldOf(json, 'passport');
  const passport = isObject(nested) ? nested : json;
  const oid = textOf(passport, ['oid']) ?? textOf(json, ['oid']);
  const version = textOf(passport, ['version']) ?? textOf(json, ['version']);
  const title = textOf(passport, TITLE_KEYS);
  return { ...(oid ? { oid } : {}), ...(version ? { version } : {}), ...(title ? { title } : {}) };
}

function recordsOf(json: unknown, file: string): unknown[] {
  if (Array.isArray(json)) return json;
  if (isObject(json)) {
    for (const key of RECORD_KEYS) {
      const records = fieldOf(json, key);
      if (Array.isArray(records)) return records;
    }
  }
  throw new InputError(`${file} holds no records: expected an array, or an object with a ${RECORD_KEYS.join(', ')} array`);
}

/** The fields of all records, each under the spelling it first appears with. */
function columnsOf(records: unknown[]): string[] {
  const columns = new Map<string, string>();
  for (const record of records) {
    if (!isObject(record)) continue;
    for (const key of Object.keys(record)) if (!columns.has(key.toLowerCase())) columns.set(key.toLowerCase(), key);
  }
  return [...columns.values()];
}

async function* rowsOf(records: unknown[], columns: string[]): AsyncGenerator<ExportRow> {
  const lowerColumns = columns.map((column) => column.toLowerCase());
  for (const [index, record] of records.entries()) {
    const where = `record ${index + 1}`;
    if (!isObject(record)) {
      yield { where, problem: 'is not an object' };
      continue;
    }
    const values = new Map(Object.entries(record).map(([key, value]) => [key.toLowerCase(), value]));
    yield { where, cells: lowerColumns.map((column) => cellText(values.get(column))) };
  }
}

export async function readJsonExport(file: string): Promise<DictionaryExport> {
  const text = withoutBom(await readFile(file, 'utf8'));
  assertUtf8(text, file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const records = recordsOf(json, file);
  const columns = columnsOf(records);
  return { format: 'JSON', passport: isObject(json) ? passportOf(json) : {}, columns, rows: rowsOf(records, columns) };
}
