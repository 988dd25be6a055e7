/**
 * The profiles this server validates against: the StructureDefinitions in profiles/ (read at
 * start, snapshots generated and compiled then, so a broken one stops the start), any added
 * at run time with register(), and the R4 definitions they build on. ValueSets and CodeSystems
 * in profiles/ are served to the bindings by terminology.ts; NamingSystems are kept here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle, FhirResource, NamingSystem, Resource, StructureDefinition } from 'fhir/r4.js';
import { issueOf, type ValidationIssue } from './issue.js';
import { ProfileCompileError } from './profile-check-types.js';
import { type ProfileValidator, compileProfile } from './profile-validator.js';
import { coreStructureDefinition } from './r4-structure-definitions.js';
import { SnapshotError, generateSnapshot } from './snapshot.js';
import { valueSetMembership } from './value-set-membership.js';
import { canonicalUrl } from '../search/terminology.js';

export const PROFILES_DIR = fileURLToPath(new URL('../../profiles/', import.meta.url));

function resourcesIn(json: FhirResource): FhirResource[] {
  if (json.resourceType !== 'Bundle') return [json];
  return ((json as Bundle).entry ?? []).flatMap((e) => (e.resource ? resourcesIn(e.resource) : []));
}

/** The conformance resources (StructureDefinitions, ValueSets, ...) in the JSON files of `dir`. */
export function readConformanceResources(dir: string = PROFILES_DIR): FhirResource[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .flatMap((f) => resourcesIn(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as FhirResource));
}

function invalidProfile(url: string | undefined, why: string): ValidationIssue {
  return issueOf('error', 'invalid', 'VAL_PROFILE_INVALID', 'StructureDefinition',
    `StructureDefinition ${url ?? '(without url)'} cannot be used as a profile: ${why}`,
    `StructureDefinition ${url ?? '(без url)'} нельзя использовать как профиль: ${why}`);
}

export class ProfileRegistry {
  /** The StructureDefinitions as given, by URL. */
  private readonly given = new Map<string, StructureDefinition>();
  private readonly withSnapshot = new Map<string, StructureDefinition>();
  private readonly validators = new Map<string, ProfileValidator>();
  private readonly inProgress = new Set<string>();
  private readonly namingSystems: NamingSystem[] = [];

  /** Loads every definition in `dir`; throws when a profile there cannot be used. */
  static fromDirectory(dir: string = PROFILES_DIR): ProfileRegistry {
    const registry = new ProfileRegistry();
    const resources = readConformanceResources(dir);
    for (const resource of resources) {
      if (resource.resourceType === 'StructureDefinition' && resource.url) registry.given.set(canonicalUrl(resource.url), resource);
      if (resource.resourceType === 'NamingSystem') registry.namingSystems.push(resource);
      if (resource.resourceType === 'ValueSet' && resource.url) valueSetMembership(resource.url);
    }
    for (const url of registry.given.keys()) registry.validatorOrThrow(url);
    return registry;
  }

  /**
   * Adds (or replaces) a profile at run time. Returns the reasons it cannot be used, and then
   * keeps nothing; an empty list means it is in use.
   */
  register(sd: StructureDefinition): ValidationIssue[] {
    if (!sd.url) return [invalidProfile(undefined, 'url is missing')];
    if (sd.derivation !== 'constraint') return [invalidProfile(sd.url, 'only constraint profiles (derivation constraint) are supported')];
    const url = canonicalUrl(sd.url);
    const previous = this.given.get(url);
    this.given.set(url, sd);
    this.forgetCompiled();
    try {
      this.validatorOrThrow(url);
      return [];
    } catch (error) {
      if (previous) this.given.set(url, previous);
      else this.given.delete(url);
      this.forgetCompiled();
      if (error instanceof SnapshotError || error instanceof ProfileCompileError) return [invalidProfile(sd.url, error.message)];
      throw error;
    }
  }

  /** A StructureDefinition with its snapshot: a registered profile or an R4 definition. */
  structureDefinition(canonical: string): StructureDefinition | undefined {
    const url = canonicalUrl(canonical);
    const done = this.withSnapshot.get(url);
    if (done) return done;
    const given = this.given.get(url);
    if (!given) return coreStructureDefinition(url);
    if (this.inProgress.has(url)) throw new SnapshotError(`${url} derives from itself`);
    this.inProgress.add(url);
    try {
      const sd = given.differential || !given.snapshot ? generateSnapshot(given, (base) => this.structureDefinition(base)) : given;
      this.withSnapshot.set(url, sd);
      return sd;
    } finally {
      this.inProgress.delete(url);
    }
  }

  /** The profiles of profiles/ and those registered, as given (without generated snapshots). */
  profiles(): StructureDefinition[] {
    return [...this.given.values()];
  }

  /** The NamingSystem whose uniqueId is `system` (an `urn:oid:` URI or the bare OID). */
  namingSystem(system: string): NamingSystem | undefined {
    const bare = system.startsWith('urn:oid:') ? system.slice('urn:oid:'.length) : system;
    return this.namingSystems.find((ns) => ns.uniqueId.some((u) => u.value === system || u.value === bare));
  }

  /** The compiled validator of a profile; undefined when the URL is not known. */
  validator(canonical: string): ProfileValidator | undefined {
    const url = canonicalUrl(canonical);
    if (!this.given.has(url) && !coreStructureDefinition(url)) return undefined;
    return this.validatorOrThrow(url);
  }

  /** The issues of `resource` against the profile at `canonical`; an unknown profile is an error. */
  validate(resource: Resource, canonical: string): ValidationIssue[] {
    const validator = this.validator(canonical);
    if (validator) return validator(resource);
    return [issueOf('error', 'not-found', 'VAL_PROFILE_UNKNOWN', `${resource.resourceType}.meta.profile`,
      `Profile ${canonical} is not known to this server`,
      `Профиль ${canonical} неизвестен серверу`)];
  }

  private validatorOrThrow(url: string): ProfileValidator {
    let validator = this.validators.get(url);
    if (!validator) {
      const sd = this.structureDefinition(url);
      if (!sd) throw new SnapshotError(`${url} is not known`);
      validator = compileProfile(sd, (target) => this.structureDefinition(target)?.type);
      this.validators.set(url, validator);
    }
    return validator;
  }

  private forgetCompiled(): void {
    this.withSnapshot.clear();
    this.validators.clear();
  }
}

let loaded: ProfileRegistry | undefined;

/** The registry of profiles/, loaded on first use. */
export function profileRegistry(): ProfileRegistry {
  loaded ??= ProfileRegistry.fromDirectory();
  return loaded;
}
