import type { Bundle, Resource } from 'fhir/r4.js';
import { FhirError } from '../fhir/errors.js';
import { newId } from '../fhir/ids.js';
import { assertResource } from '../fhir/resource-body.js';
import { assertResourceType } from '../fhir/resource-types.js';
import { SessionBoundStore } from '../store/session-bound-store.js';
import { withNormalizedIdentifiers } from '../validation/normalize-identifiers.js';
import type { ValidationIssue } from '../validation/issue.js';
import type { Validator } from '../validation/validator.js';
import { isDuplicateKeyError, type Session, type Store } from '../store/types.js';
import { ResourceCollections } from './resource-collections.js';
import type { SignatureVerification } from './signing/signature-verification.js';
import { applyJsonPatch } from './json-patch.js';
import { findMatches, lockCondition } from './conditional-match.js';
import { writeVersion } from './write-version.js';
import { readVersion } from './history.js';
import { type ClientReach, UNLIMITED_REACH } from './client-reach.js';
import { reachesDocument, reachesVersion } from './stored-reach.js';
import { type CurrentDocument, type HistoryMethod, type Version, resourceOf, versionOf } from './stored-document.js';

export interface WriteOptions {
  /** The version the client expects (If-Match); a different current version gives 412. */
  ifMatch?: number;
}

export interface RepositoryOptions {
  collections?: ResourceCollections;
  validator?: Validator;
  /** Verifies the signature a Bundle carries (throwing what is wrong with it); without it signatures are not checked. */
  verifySignature?: BundleSignatureCheck;
  hooks?: WriteHooks;
  /** What the client whose request this is reaches; a resource outside is not found, one written must stay inside. */
  reach?: ClientReach;
}

export type BundleSignatureCheck = (bundle: Bundle) => SignatureVerification | undefined;

/** What other services do with every write: subscriptions set what the server owns and match each new version. */
export interface WriteHooks {
  /** The resource as it will be written, after validation; may refuse it by throwing a FhirError. */
  beforeWrite?(resource: Resource): Resource;
  /** Runs in the write's own transaction, once the version is written (`document`: as stored, with its index entries). */
  afterWrite?(store: Store, session: Session, version: Version, document: CurrentDocument): Promise<void>;
}

export interface CreateOptions {
  /** Criteria of a conditional create (If-None-Exist). */
  ifNoneExist?: string;
  /** The id to give the new resource, chosen beforehand (a transaction Bundle does, to rewrite references to it). */
  id?: string;
}

export interface WriteResult {
  version: Version;
  /** true when the write made a new resource (201), false for a new version of an existing one (200). */
  created: boolean;
  /** What validation found in a resource stored anyway (VALIDATION=lenient), for the answer to report. */
  issues?: ValidationIssue[];
  /** The verified signature of a signed Bundle written. */
  signature?: SignatureVerification;
}

/** A resource ready to write: normalised, validated, and (a signed Bundle) its signature verified. */
interface CheckedResource {
  resource: Resource;
  issues: ValidationIssue[];
  signature?: SignatureVerification;
}

function reported(result: WriteResult, { issues, signature }: CheckedResource): WriteResult {
  return { ...result, ...(issues.length > 0 ? { issues } : {}), ...(signature ? { signature } : {}) };
}

/** How many times an update is re-run when a concurrent create took the same id. */
const DUPLICATE_RETRIES = 3;
/** A current document without what only searches and reach checks use. */
const WITHOUT_ENTRIES = { idx: 0, sk: 0 } as const;

/** How a current document is read: in a transaction or not, with its index entries or without. */
interface DocumentRead {
  session?: Session;
  entries?: boolean;
}

/**
 * Create, read, update, patch and delete of versioned resources (R4 http.html).
 * Every write is one store transaction: the current document and its history entry
 * commit together or not at all. Bound to a client's reach (`within`), it answers a resource
 * outside that reach as unknown (404) and refuses (403) to write one that would not stay inside.
 */
export class Repository {
  readonly collections: ResourceCollections;
  private readonly validator?: Validator;
  private readonly verifySignature?: BundleSignatureCheck;
  private readonly hooks: WriteHooks;
  private readonly reach: ClientReach;

  /** Without a validator, resources are only checked for shape (tools, tests of storage). */
  constructor(private readonly store: Store, { collections, validator, verifySignature, hooks, reach }: RepositoryOptions = {}) {
    this.collections = collections ?? new ResourceCollections(store);
    this.validator = validator;
    this.verifySignature = verifySignature;
    this.hooks = hooks ?? {};
    this.reach = reach ?? UNLIMITED_REACH;
  }

  private options(): RepositoryOptions {
    return { collections: this.collections, validator: this.validator, verifySignature: this.verifySignature, hooks: this.hooks, reach: this.reach };
  }

  /** The same operations on another view of the store (a transaction's, a batch's). */
  withStore(store: Store): Repository {
    return new Repository(store, this.options());
  }

  /** The same operations with `hook` run after the write hooks it has, in each write's transaction. */
  withAfterWrite(hook: NonNullable<WriteHooks['afterWrite']>): Repository {
    const { afterWrite } = this.hooks;
    const chained = afterWrite
      ? async (...written: Parameters<typeof hook>) => {
        await afterWrite(...written);
        await hook(...written);
      }
      : hook;
    return new Repository(this.store, { ...this.options(), hooks: { ...this.hooks, afterWrite: chained } });
  }

  /** The same operations for one client: only what it reaches. */
  within(reach: ClientReach): Repository {
    return !reach.limited && !this.reach.limited ? this : new Repository(this.store, { ...this.options(), reach });
  }

  /** http.html#read: the current version; 404 when unknown, 410 when deleted. */
  async read(type: string, id: string): Promise<Version> {
    const doc = await this.reachedDocument(type, id, { entries: false });
    if (!doc) throw new FhirError('FHIR_ERR_NOT_FOUND', [type, id]);
    if (doc.deleted) throw new FhirError('FHIR_ERR_DELETED', [type, id]);
    return versionOf(type, doc);
  }

  /** http.html#vread: one version; 410 when that version is a delete. */
  async vread(type: string, id: string, versionId: number): Promise<Version> {
    const version = await readVersion(this.store, type, id, versionId);
    if (!version || !(await this.versionInReach(version))) throw new FhirError('FHIR_ERR_VERSION_NOT_FOUND', [type, id, versionId]);
    if (version.deleted) throw new FhirError('FHIR_ERR_DELETED', [type, id]);
    return version;
  }

  /** 404 unless the resource was ever stored (it may be deleted) and the client reaches it: what its history needs. */
  async assertKnown(type: string, id: string): Promise<void> {
    if (!(await this.reachedDocument(type, id))) throw new FhirError('FHIR_ERR_NOT_FOUND', [type, id]);
  }

  /** http.html#create: a server-assigned id; with `ifNoneExist` (http.html#ccreate) never a duplicate. */
  async create(body: unknown, type: string, { ifNoneExist, id }: CreateOptions = {}): Promise<WriteResult> {
    const check = await this.checked(assertResource(body, type));
    const { resource } = check;
    await this.collections.ensure(type);
    if (ifNoneExist === undefined) {
      return reported(await this.store.withTransaction(async (session) => this.insertNew(session, resource, id)), check);
    }
    return this.store.withTransaction(async (session) => {
      const existing = await this.singleMatch(session, type, ifNoneExist, 'create');
      if (existing) return { version: versionOf(type, existing), created: false };
      await lockCondition(this.store, session, type, ifNoneExist);
      return reported(await this.insertNew(session, resource, id), check);
    });
  }

  /** http.html#update, including update-as-create with a client-chosen id. */
  async update(type: string, id: string, body: unknown, options: WriteOptions = {}): Promise<WriteResult> {
    const check = await this.checked(assertResource(body, type));
    const { resource } = check;
    if (resource.id === undefined) throw new FhirError('FHIR_ERR_ID_MISSING');
    if (resource.id !== id) throw new FhirError('FHIR_ERR_ID_MISMATCH', [resource.id, id]);
    await this.collections.ensure(type);
    const result = await this.retryOnDuplicate(() =>
      this.store.withTransaction(async (session) => this.replace(session, type, id, resource, options)),
    );
    return reported(result, check);
  }

  /** http.html#cond-update: 0 matches create, 1 match updates it, more give 412. */
  async conditionalUpdate(type: string, query: string, body: unknown, options: WriteOptions = {}): Promise<WriteResult> {
    const check = await this.checked(assertResource(body, type));
    const { resource } = check;
    await this.collections.ensure(type);
    const result = await this.retryOnDuplicate(() =>
      this.store.withTransaction(async (session) => {
        const match = await this.singleMatch(session, type, query, 'update');
        if (match) {
          if (resource.id !== undefined && resource.id !== match._id) {
            throw new FhirError('FHIR_ERR_CONDITIONAL_ID_MISMATCH', [type, match._id, resource.id]);
          }
          return this.replace(session, type, match._id, { ...resource, id: match._id }, options);
        }
        await lockCondition(this.store, session, type, query);
        if (resource.id !== undefined) return this.replace(session, type, resource.id, resource, options);
        return this.insertNew(session, resource);
      }),
    );
    return reported(result, check);
  }

  /** http.html#patch with a JSON Patch document. */
  async patch(type: string, id: string, patch: unknown, options: WriteOptions = {}): Promise<WriteResult> {
    assertResourceType(type);
    return this.store.withTransaction(async (session) => {
      const previous = await this.liveDocument(session, type, id, options);
      const check = await this.checked(assertResource(applyJsonPatch(resourceOf(previous), patch), type));
      const version = await this.write(session, type, id, previous, check.resource, 'PATCH');
      return reported({ version, created: false }, check);
    });
  }

  /**
   * http.html#delete: a versioned tombstone. Returns the tombstone, or null when there was
   * nothing to delete (already deleted); an id never seen gives 404.
   */
  async delete(type: string, id: string, options: WriteOptions = {}): Promise<Version | null> {
    assertResourceType(type);
    return this.store.withTransaction(async (session) => {
      const previous = await this.reachedDocument(type, id, { session });
      if (!previous) throw new FhirError('FHIR_ERR_NOT_FOUND', [type, id]);
      checkIfMatch(type, previous, options.ifMatch);
      if (previous.deleted) return null;
      return this.write(session, type, id, previous, null, 'DELETE');
    });
  }

  /** http.html#cdelete, single-match mode: 0 matches is a no-op, more than one gives 412. */
  async conditionalDelete(type: string, query: string): Promise<Version | null> {
    assertResourceType(type);
    await this.collections.ensure(type);
    return this.store.withTransaction(async (session) => {
      const match = await this.singleMatch(session, type, query, 'delete');
      if (!match) return null;
      return this.write(session, type, match._id, match, null, 'DELETE');
    });
  }

  /**
   * A resource as it will be stored: identifiers normalised, then validated (422 in strict mode).
   * In lenient mode what validation found comes back, for the answer to report.
   */
  private async checked(resource: Resource): Promise<CheckedResource> {
    const normalized = withNormalizedIdentifiers(resource);
    const found = (await this.validator?.checkWrite(normalized)) ?? [];
    const prepared = this.hooks.beforeWrite?.(normalized) ?? normalized;
    const signature = prepared.resourceType === 'Bundle' ? this.verifySignature?.(prepared as Bundle) : undefined;
    return { resource: prepared, issues: this.validator?.settings.mode === 'lenient' ? found : [], signature };
  }

  private async write(session: Session, type: string, id: string, previous: CurrentDocument | null, resource: Resource | null, method: HistoryMethod): Promise<Version> {
    // judged with the id it is stored under: a create's body id is not kept
    if (resource) this.reach.assertWritable({ ...resource, id });
    const { version, document } = await writeVersion(this.store, session, type, id, previous, resource, method);
    await this.hooks.afterWrite?.(this.store, session, version, document);
    return version;
  }

  private async insertNew(session: Session, resource: Resource, id = newId()): Promise<WriteResult> {
    const type = resource.resourceType;
    const version = await this.write(session, type, id, null, resource, 'POST');
    return { version, created: true };
  }

  private async replace(session: Session, type: string, id: string, resource: Resource, options: WriteOptions): Promise<WriteResult> {
    const previous = await this.reachedDocument(type, id, { session });
    if (options.ifMatch !== undefined) {
      if (!previous) throw new FhirError('FHIR_ERR_NOT_FOUND', [type, id]);
      checkIfMatch(type, previous, options.ifMatch);
    }
    const version = await this.write(session, type, id, previous, resource, 'PUT');
    return { version, created: !previous || previous.deleted };
  }

  private async liveDocument(session: Session, type: string, id: string, options: WriteOptions): Promise<CurrentDocument> {
    const doc = await this.reachedDocument(type, id, { session });
    if (!doc) throw new FhirError('FHIR_ERR_NOT_FOUND', [type, id]);
    checkIfMatch(type, doc, options.ifMatch);
    if (doc.deleted) throw new FhirError('FHIR_ERR_DELETED', [type, id]);
    return doc;
  }

  private async singleMatch(session: Session, type: string, query: string, what: string): Promise<CurrentDocument | null> {
    const matches = await findMatches(this.store, session, type, query, what, this.reach);
    if (matches.length > 1) throw new FhirError('FHIR_ERR_MULTIPLE_MATCHES', [what, matches.length]);
    return matches[0] ?? null;
  }

  /**
   * With `entries: false` (a read), the document may lack its index entries and sort keys: a read
   * does not need them (its patient and organizations are kept beside them), and the store need not
   * unpack them.
   */
  private async currentDocument(type: string, id: string, { session, entries = true }: DocumentRead = {}): Promise<CurrentDocument | null> {
    assertResourceType(type);
    const collection = this.store.collection<CurrentDocument>(type);
    if (entries) return collection.findOne({ _id: id }, { session });
    const doc = await collection.findOne({ _id: id }, { session, projection: WITHOUT_ENTRIES });
    // a document written before its patient and organizations were kept finds them in its entries
    const incomplete = doc && (doc.patient === undefined || (this.reach.limited && doc.organizations === undefined));
    return incomplete ? collection.findOne({ _id: id }, { session }) : doc;
  }

  /** Whether the client reaches a version: the resource as it stands now, and the version itself. */
  private async versionInReach(version: Version): Promise<boolean> {
    if (!this.reach.clause(version.type)) return true;
    const current = await this.currentDocument(version.type, version.id);
    return current !== null && await reachesDocument(this.store, this.reach, version.type, current) && reachesVersion(this.store, this.reach, version);
  }

  /**
   * The current document, or null when there is none; one the client does not reach is a 404, as if
   * unknown (and so never taken over by an update-as-create).
   */
  private async reachedDocument(type: string, id: string, read: DocumentRead = {}): Promise<CurrentDocument | null> {
    const doc = await this.currentDocument(type, id, read);
    if (doc && !(await reachesDocument(this.store, this.reach, type, doc))) throw new FhirError('FHIR_ERR_NOT_FOUND', [type, id]);
    return doc;
  }

  /**
   * A concurrent create of the same id makes the loser's insert a duplicate; re-run it as an update.
   * Inside a larger transaction the error goes up instead: that transaction is re-run as a whole.
   */
  private async retryOnDuplicate<R>(work: () => Promise<R>): Promise<R> {
    if (this.store instanceof SessionBoundStore) return work();
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        if (!isDuplicateKeyError(err) || attempt >= DUPLICATE_RETRIES) throw err;
      }
    }
  }
}

function checkIfMatch(type: string, doc: CurrentDocument, ifMatch: number | undefined): void {
  if (ifMatch !== undefined && ifMatch !== doc.versionId) {
    throw new FhirError('FHIR_ERR_VERSION_CONFLICT', [type, doc._id, doc.versionId, ifMatch]);
  }
}
