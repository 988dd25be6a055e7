/**
 * The server's own conformance resources (profiles/: the EGISZ StructureDefinitions, their
 * ValueSets, CodeSystems and NamingSystems) kept in the store, so clients read and search
 * them like any resource (GET StructureDefinition/egisz-patient). Written at start when
 * missing or changed; an unchanged one is left at its version.
 */
import type { Resource } from 'fhir/r4.js';
import type { Repository } from './repository.js';

function withoutMeta(resource: Resource): string {
  const { meta: _meta, ...rest } = resource;
  return JSON.stringify(rest);
}

async function isStored(repository: Repository, resource: Resource): Promise<boolean> {
  try {
    const current = await repository.read(resource.resourceType, resource.id!);
    return withoutMeta(JSON.parse(current.json!) as Resource) === withoutMeta(resource);
  } catch {
    return false; // unknown or deleted: write it
  }
}

export async function storeConformanceResources(repository: Repository, resources: Resource[]): Promise<number> {
  let written = 0;
  for (const resource of resources) {
    if (resource.id === undefined || (await isStored(repository, resource))) continue;
    await repository.update(resource.resourceType, resource.id, resource);
    written++;
  }
  return written;
}
