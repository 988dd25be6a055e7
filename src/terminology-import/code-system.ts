import { basename } from 'node:path';
import type { CodeSystem, CodeSystemConcept } from 'fhir/r4.js';
import type { DictionaryIdentity } from './dictionary-identity.js';

/** The CodeSystem of a loaded dictionary: every code of it (content complete), so codes outside it are errors. */
export function dictionaryCodeSystem(identity: DictionaryIdentity, concepts: CodeSystemConcept[], source: string): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    id: identity.oid.replaceAll('.', '-'),
    url: `urn:oid:${identity.oid}`,
    version: identity.version,
    ...(identity.title ? { title: identity.title } : {}),
    status: 'active',
    description: `NSI dictionary ${identity.oid} version ${identity.version}, loaded from ${basename(source)} by npm run load-dictionary`,
    caseSensitive: true,
    content: 'complete',
    count: concepts.length,
    concept: concepts,
  };
}
