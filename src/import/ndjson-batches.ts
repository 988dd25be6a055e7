import { createInterface } from 'node:readline';
import type { ErrorCode } from '../fhir/errors.js';
import { isValidId } from '../fhir/ids.js';
import { codedReason, type FailureReason } from './failure-summary.js';
import { openFileBytes } from './file-text.js';
import type { SourceFile } from './sources.js';
import type { ImportUnit, WorkItem } from './work-items.js';

/** Why a line cannot be an entry; the codes are the catalogue's, so they match what the server says of such bodies. */
const lineProblem = (code: ErrorCode, message: string) => codedReason('not sent', code, message);

/** A batch entry as JSON text (the line itself is the resource, spliced in as it is), or why the line cannot be one. */
function entryJson(line: string): string | FailureReason {
  let resource: unknown;
  try {
    resource = JSON.parse(line);
  } catch (err) {
    return lineProblem('FHIR_ERR_JSON_MALFORMED', `the line is not JSON (${(err as Error).message.slice(0, 120)})`);
  }
  const { resourceType, id } = (resource ?? {}) as { resourceType?: unknown; id?: unknown };
  if (typeof resource !== 'object' || Array.isArray(resource) || typeof resourceType !== 'string') {
    return lineProblem('FHIR_ERR_BODY_NOT_RESOURCE', 'the line is not a FHIR resource (a JSON object with resourceType)');
  }
  if (id !== undefined && (typeof id !== 'string' || !isValidId(id))) {
    return lineProblem('FHIR_ERR_ID_INVALID', `the resource id ${JSON.stringify(id).slice(0, 80)} is not a valid FHIR id`);
  }
  // A kept id makes a re-import update the same resources instead of creating copies.
  const request = id === undefined ? { method: 'POST', url: resourceType } : { method: 'PUT', url: `${resourceType}/${id}` };
  return `{"resource":${line},"request":${JSON.stringify(request)}}`;
}

function batchUnit(file: SourceFile, entries: string[], entryLabels: string[]): ImportUnit {
  const body = `{"resourceType":"Bundle","type":"batch","entry":[${entries.join(',')}]}`;
  return { kind: 'unit', file: file.name, bundleType: 'batch', body, entryLabels };
}

/**
 * An NDJSON file (one resource a line, as Bulk Data export writes it) streamed into batch Bundles of
 * `batchSize` entries; a line that is not a resource becomes a Rejection, not an error.
 */
export async function* ndjsonItems(file: SourceFile, batchSize: number): AsyncGenerator<WorkItem> {
  let entries: string[] = [];
  let labels: string[] = [];
  let lineNumber = 0;
  for await (const text of createInterface({ input: openFileBytes(file), crlfDelay: Infinity })) {
    lineNumber++;
    const line = (lineNumber === 1 ? text.replace(/^\uFEFF/, '') : text).trim();
    if (line === '') continue;
    const entry = entryJson(line);
    if (typeof entry === 'string') {
      entries.push(entry);
      labels.push(`line ${lineNumber}`);
    } else {
      yield { kind: 'rejection', file: file.name, label: `line ${lineNumber}`, reason: entry };
    }
    if (entries.length === batchSize) {
      yield batchUnit(file, entries, labels);
      entries = [];
      labels = [];
    }
  }
  if (entries.length > 0) yield batchUnit(file, entries, labels);
}
