/** What the loader reads from an NSI export, whatever its format. */

/** The export's passport: what it says about the dictionary itself. */
export interface Passport {
  oid?: string;
  version?: string;
  title?: string;
}

/** One record: its cells in the order of `columns`, or why it cannot be read. */
export type ExportRow =
  | { where: string; cells: (string | undefined)[] }
  | { where: string; problem: string };

export interface DictionaryExport {
  /** How the file was read, for the summary (e.g. `CSV, separator ";"`). */
  format: string;
  passport: Passport;
  columns: string[];
  rows: AsyncIterable<ExportRow>;
}

/** A cell as text: strings trimmed, numbers and booleans written out, nothing as ''; undefined for objects and arrays. */
export function cellText(value: unknown): string | undefined {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}
