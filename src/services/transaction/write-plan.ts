/**
 * What each write entry of a transaction will do, decided before anything is written:
 * the resource it writes (server-assigned ids chosen now, conditional urls and
 * ifNoneExist resolved), so references to it can be rewritten first
 * (http.html#trules), and two entries writing the same resource refused.
 */
import type { Resource } from 'fhir/r4.js';
import { FhirError, entryError } from '../../fhir/errors.js';
import { newId } from '../../fhir/ids.js';
import { parseIfMatch } from '../../fhir/preconditions.js';
import { assertResourceType } from '../../fhir/resource-types.js';
import type { Session, Store } from '../../store/types.js';
import { type ClientReach, UNLIMITED_REACH } from '../client-reach.js';
import { conditionKey, findMatches, lockCondition } from '../conditional-match.js';
import type { CurrentDocument } from '../stored-document.js';
import type { BundleRequestEntry } from './bundle-entries.js';

/**
 * create / update / patch / delete write a version; `existing` is a conditional create that
 * matched (nothing written); `nothing` is a conditional delete that matched nothing.
 */
export type WriteAction = 'create' | 'update' | 'patch' | 'delete' | 'existing' | 'nothing';

export interface PlannedWrite {
  entry: BundleRequestEntry;
  type: string;
  /** The resource's id (absent only for `nothing`). */
  id?: string;
  action: WriteAction;
  ifMatch?: number;
  /** The stored match of a conditional create. */
  existing?: CurrentDocument;
}

interface WriteUrl {
  type: string;
  id?: string;
  /** The criteria of a conditional update, patch or delete. */
  query?: string;
}

function writeUrl(entry: BundleRequestEntry): WriteUrl {
  const segments = entry.path.split('/');
  const [type, id] = segments;
  const valid = type && segments.length <= 2
    && (entry.method === 'POST' ? segments.length === 1 && !entry.query : (id === undefined) === Boolean(entry.query));
  if (!valid) {
    throw new FhirError('FHIR_ERR_ENTRY_INVALID', [`${entry.method} ${entry.path}${entry.query ? '?' : ''}${entry.query} is not a write a transaction can carry`.slice(0, 300)]);
  }
  assertResourceType(type);
  return { type, id, query: entry.query || undefined };
}

/** Plans the entries one by one; conditional creates with the same criteria share one resource. */
export class WritePlanner {
  private readonly createdByCondition = new Map<string, PlannedWrite>();

  /** Conditional urls match only what `reach` (the client's) holds. */
  constructor(private readonly store: Store, private readonly session: Session, private readonly reach: ClientReach = UNLIMITED_REACH) {}

  async plan(entry: BundleRequestEntry): Promise<PlannedWrite> {
    try {
      const url = writeUrl(entry);
      const ifMatch = parseIfMatch(entry.ifMatch);
      const write = entry.method === 'POST' ? await this.planCreate(entry, url.type) : await this.planOther(entry, url);
      return { ...write, ifMatch };
    } catch (err) {
      throw err instanceof FhirError ? entryError(err, entry.index, entry.fullUrl) : err;
    }
  }

  /** The planned create whose criteria a conditional reference repeats, if any. */
  createdFor(type: string, query: string): PlannedWrite | undefined {
    return this.createdByCondition.get(conditionKey(type, query));
  }

  private async planCreate(entry: BundleRequestEntry, type: string): Promise<PlannedWrite> {
    if (entry.ifNoneExist === undefined) return { entry, type, id: newId(), action: 'create' };
    const key = conditionKey(type, entry.ifNoneExist);
    const earlier = this.createdByCondition.get(key);
    if (earlier) return { entry, type, id: earlier.id, action: 'existing' };
    const match = await this.singleMatch(type, entry.ifNoneExist, 'create');
    const write: PlannedWrite = match
      ? { entry, type, id: match._id, action: 'existing', existing: match }
      : { entry, type, id: newId(), action: 'create' };
    if (!match) await lockCondition(this.store, this.session, type, entry.ifNoneExist);
    this.createdByCondition.set(key, write);
    return write;
  }

  private async planOther(entry: BundleRequestEntry, { type, id, query }: WriteUrl): Promise<PlannedWrite> {
    const action = ({ PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as const)[entry.method as 'PUT' | 'PATCH' | 'DELETE'];
    if (query === undefined) return { entry, type, id, action };
    const match = await this.singleMatch(type, query, action);
    if (match) return { entry, type, id: match._id, action };
    if (action === 'delete') return { entry, type, action: 'nothing' };
    if (action === 'patch') throw new FhirError('FHIR_ERR_CONDITIONAL_PATCH_NONE', [`${type}?${query}`.slice(0, 300)]);
    await lockCondition(this.store, this.session, type, query);
    const write: PlannedWrite = { entry, type, id: (entry.resource as Resource).id ?? newId(), action };
    this.createdByCondition.set(conditionKey(type, query), write);
    return write;
  }

  private async singleMatch(type: string, query: string, what: string): Promise<CurrentDocument | undefined> {
    const matches = await findMatches(this.store, this.session, type, query, what, this.reach);
    if (matches.length > 1) throw new FhirError('FHIR_ERR_MULTIPLE_MATCHES', [what, matches.length]);
    return matches[0];
  }
}

/** A transaction writes each resource once: a second entry for the same type and id is refused. */
export function assertNoOverlap(writes: PlannedWrite[]): void {
  const writers = new Map<string, number>();
  for (const write of writes) {
    if (write.id === undefined || write.action === 'existing') continue;
    const key = `${write.type}/${write.id}`;
    const first = writers.get(key);
    if (first !== undefined) {
      throw entryError(new FhirError('FHIR_ERR_TRANSACTION_OVERLAP', [first, key]), write.entry.index, write.entry.fullUrl);
    }
    writers.set(key, write.entry.index);
  }
}
