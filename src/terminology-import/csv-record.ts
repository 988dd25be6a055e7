/**
 * One CSV record (RFC 4180 as spreadsheets write it): fields split at the separator, a field in
 * double quotes may hold the separator, line breaks and "" for a quote; a quote inside an unquoted
 * field is kept as it is.
 */

/** The fields of `text`, or undefined when it ends inside a quoted field (the record goes on on the next line). */
export function splitCsvRecord(text: string, separator: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let atFieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (ch === separator) {
      fields.push(field);
      field = '';
      atFieldStart = true;
      continue;
    } else if (ch === '"' && atFieldStart) {
      quoted = true;
    } else {
      field += ch;
    }
    atFieldStart = false;
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields;
}

/** The separator of a header line: ";" or ",", whichever occurs more often outside quotes (";" when neither does). */
export function detectSeparator(header: string): ';' | ',' {
  let semicolons = 0;
  let commas = 0;
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === ';') semicolons++;
    else if (!quoted && ch === ',') commas++;
  }
  return commas > semicolons ? ',' : ';';
}
