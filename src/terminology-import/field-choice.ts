/**
 * Which fields of an export hold the code and the display. NSI dictionaries name them in a few
 * common ways (ID, CODE, S_CODE; NAME, S_NAME, NAME_FULL...), in any case; --code-field and
 * --display-field choose others.
 */
import { InputError } from '../import/input-error.js';

const CODE_FIELDS = ['S_CODE', 'CODE', 'ID'];
const DISPLAY_FIELDS = ['NAME', 'NAME_FULL', 'FULL_NAME', 'S_NAME', 'SHORT_NAME'];

export interface Field {
  name: string;
  index: number;
}

export interface FieldChoice {
  code: Field;
  display?: Field;
  /** Other usual code fields the export has too: the summary names them, the choice may be wrong. */
  otherCodeFields: string[];
}

function find(columns: string[], name: string): Field | undefined {
  const lower = name.toLowerCase();
  const index = columns.findIndex((column) => column.toLowerCase() === lower);
  return index < 0 ? undefined : { name: columns[index]!, index };
}

function asked(columns: string[], option: string, name: string): Field {
  const field = find(columns, name);
  if (!field) throw new InputError(`${option} ${name}: the export has no such field; its fields: ${columns.join(', ') || '(none)'}`);
  return field;
}

function firstOf(columns: string[], names: string[]): Field | undefined {
  for (const name of names) {
    const field = find(columns, name);
    if (field) return field;
  }
  return undefined;
}

export function chooseFields(columns: string[], options: { codeField?: string; displayField?: string }): FieldChoice {
  const code = options.codeField ? asked(columns, '--code-field', options.codeField) : firstOf(columns, CODE_FIELDS);
  if (!code) {
    throw new InputError(`the export has no code field (${CODE_FIELDS.join(', ')}); give --code-field, one of: ${columns.join(', ') || '(none)'}`);
  }
  const display = options.displayField ? asked(columns, '--display-field', options.displayField) : firstOf(columns, DISPLAY_FIELDS);
  const otherCodeFields = options.codeField ? [] : CODE_FIELDS.map((name) => find(columns, name)?.name).filter((name) => name !== undefined && name !== code.name) as string[];
  return { code, ...(display ? { display } : {}), otherCodeFields };
}
