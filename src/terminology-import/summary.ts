import type { ConceptsRead, Skipped } from './concepts.js';
import type { DictionaryIdentity } from './dictionary-identity.js';
import type { FieldChoice } from './field-choice.js';
import type { Written } from './write-code-system.js';

export interface LoadSummary {
  source: string;
  format: string;
  identity: DictionaryIdentity;
  fields: FieldChoice;
  read: ConceptsRead;
  written: Written;
}

function skipped(label: string, { count, examples }: Skipped): string {
  const more = count > examples.length ? ', ...' : '';
  return `  ${label.padEnd(20)} ${count} skipped${count > 0 ? ` (${examples.join('; ')}${more})` : ''}\n`;
}

function fieldsLine({ code, display, otherCodeFields }: FieldChoice): string {
  const others = otherCodeFields.length > 0 ? ` (also present: ${otherCodeFields.join(', ')}; --code-field chooses)` : '';
  return `  ${'fields:'.padEnd(20)} code ${code.name}${others}, display ${display?.name ?? '(none found: codes without display)'}\n`;
}

/** The report printed after loading: what was read, how many codes, what was skipped and why, where it went. */
export function formatSummary({ source, format, identity, fields, read, written }: LoadSummary): string {
  const replaced = written.replacedVersion ? ` (replaces version ${written.replacedVersion})` : '';
  return `Dictionary urn:oid:${identity.oid} version ${identity.version}${identity.title ? `: ${identity.title}` : ''}\n`
    + `  ${'read:'.padEnd(20)} ${source} (${format})\n`
    + fieldsLine(fields)
    + identity.notes.map((note) => `  ${'note:'.padEnd(20)} ${note}\n`).join('')
    + `  ${'codes:'.padEnd(20)} ${read.concepts.length}\n`
    + skipped('duplicate codes:', read.duplicates)
    + skipped('rows without code:', read.withoutCode)
    + skipped('malformed rows:', read.malformed)
    + `  ${'written:'.padEnd(20)} ${written.file}${replaced}\n`;
}
