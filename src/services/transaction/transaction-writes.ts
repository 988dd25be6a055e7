/**
 * The writes of a transaction Bundle, inside one store transaction (http.html#trules):
 * every write entry is planned first (ids chosen, conditional urls and ifNoneExist
 * resolved), references between entries rewritten, then the writes run in the order
 * DELETE, POST, PUT and PATCH. Any failure throws, naming the entry, and the caller's
 * store transaction then writes nothing at all.
 */
import type { Resource } from 'fhir/r4.js';
import { jsonPatchOfBinary } from '../../fhir/binary-patch.js';
import { FhirError, entryError } from '../../fhir/errors.js';
import type { Session, Store } from '../../store/types.js';
import { type ClientReach, UNLIMITED_REACH } from '../client-reach.js';
import { countMatches, findMatches } from '../conditional-match.js';
import type { Repository } from '../repository.js';
import { type Version, versionOf } from '../stored-document.js';
import type { BundleRequestEntry } from './bundle-entries.js';
import { ReferenceRewriter } from './reference-rewrite.js';
import { type PlannedWrite, WritePlanner, assertNoOverlap } from './write-plan.js';

/** How one write entry ended: its HTTP status and the version it wrote or found. */
export interface WriteOutcome {
  status: number;
  version?: Version;
}

const PHASE_OF_METHOD: Record<string, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2 };

/** The write entries in processing order (stable within a phase). */
function writesInOrder(entries: BundleRequestEntry[]): BundleRequestEntry[] {
  return entries.filter((e) => e.method in PHASE_OF_METHOD).sort((a, b) => PHASE_OF_METHOD[a.method]! - PHASE_OF_METHOD[b.method]!);
}

export class TransactionWrites {
  private readonly planner: WritePlanner;

  /**
   * `repository` works inside the transaction of `session` (Repository.withStore of a SessionBoundStore),
   * within the client's `reach`, which conditional urls and references match within too.
   */
  constructor(
    private readonly store: Store, private readonly session: Session, private readonly repository: Repository,
    private readonly serverBase: string, private readonly reach: ClientReach = UNLIMITED_REACH,
  ) {
    this.planner = new WritePlanner(store, session, reach);
  }

  /**
   * Runs the write entries; the outcomes are keyed by entry index. Without `keepBodies` the
   * versions lose their JSON as soon as they are written: a large transaction answered
   * with Prefer: return=minimal then holds no second copy of every resource until it ends.
   */
  async run(entries: BundleRequestEntry[], keepBodies = true): Promise<Map<number, WriteOutcome>> {
    const planned: PlannedWrite[] = [];
    for (const entry of writesInOrder(entries)) planned.push(await this.planner.plan(entry));
    assertNoOverlap(planned);
    const rewriter = new ReferenceRewriter(fullUrlTargets(planned), this.serverBase, (type, query, ref) => this.resolveConditional(type, query, ref));
    for (const write of planned) {
      if (write.action === 'create' || write.action === 'update') {
        await inEntry(write, () => rewriter.rewrite(write.entry.resource!, write.entry.fullUrl));
      }
    }
    const outcomes = new Map<number, WriteOutcome>();
    const written = new Map<string, Version>();
    for (const write of planned) {
      const outcome = await inEntry(write, () => this.execute(write, written));
      if (outcome.version && !keepBodies) outcome.version = { ...outcome.version, json: null };
      if (outcome.version) written.set(`${write.type}/${write.id}`, outcome.version);
      outcomes.set(write.entry.index, outcome);
    }
    return outcomes;
  }

  /** `written`: the versions earlier entries wrote, by `Type/id`. */
  private async execute(write: PlannedWrite, written: Map<string, Version>): Promise<WriteOutcome> {
    const { entry, type, id, ifMatch } = write;
    switch (write.action) {
      case 'create':
        return { status: 201, version: (await this.repository.create(entry.resource, type, { id })).version };
      case 'update': {
        const body = entry.query ? withMatchedId(entry.resource!, type, id!) : entry.resource;
        const { version, created } = await this.repository.update(type, id!, body, { ifMatch });
        return { status: created ? 201 : 200, version };
      }
      case 'patch':
        return { status: 200, version: (await this.repository.patch(type, id!, jsonPatchOfBinary(entry.resource), { ifMatch })).version };
      case 'delete': {
        const tombstone = await this.repository.delete(type, id!, { ifMatch });
        return tombstone ? { status: 200, version: tombstone } : { status: 204 };
      }
      case 'existing':
        // without a stored match, an earlier entry with the same criteria creates the resource
        return { status: 200, version: write.existing ? versionOf(type, write.existing) : written.get(`${type}/${id}`) };
      case 'nothing':
        return { status: 204 };
    }
  }

  /** A conditional reference: the resource an entry of this Bundle creates with the same criteria, else the one stored match. */
  private async resolveConditional(type: string, query: string, reference: string): Promise<string> {
    const planned = this.planner.createdFor(type, query);
    if (planned) return `${type}/${planned.id}`;
    const matches = await findMatches(this.store, this.session, type, query, 'reference', this.reach);
    if (matches.length === 0) throw new FhirError('FHIR_ERR_CONDITIONAL_REFERENCE_NONE', [reference.slice(0, 300)]);
    if (matches.length > 1) {
      const count = await countMatches(this.store, this.session, type, query, 'reference', this.reach);
      throw new FhirError('FHIR_ERR_CONDITIONAL_REFERENCE_MULTIPLE', [reference.slice(0, 300), count]);
    }
    return `${type}/${matches[0]!._id}`;
  }
}

/** What each fullUrl of the Bundle becomes in references: the type and id its entry writes. */
function fullUrlTargets(planned: PlannedWrite[]): Map<string, string> {
  const targets = new Map<string, string>();
  for (const { entry, type, id } of planned) {
    if (entry.fullUrl !== undefined && id !== undefined && entry.method !== 'DELETE') targets.set(entry.fullUrl, `${type}/${id}`);
  }
  return targets;
}

function withMatchedId(resource: Resource, type: string, id: string): Resource {
  if (resource.id !== undefined && resource.id !== id) throw new FhirError('FHIR_ERR_CONDITIONAL_ID_MISMATCH', [type, id, resource.id]);
  return { ...resource, id };
}

async function inEntry<R>(write: PlannedWrite, work: () => Promise<R>): Promise<R> {
  try {
    return await work();
  } catch (err) {
    throw err instanceof FhirError && !err.expression?.[0]?.startsWith('Bundle.entry[') ? entryError(err, write.entry.index, write.entry.fullUrl) : err;
  }
}
