/**
 * Code subsumption for the token :above / :below modifiers (search.html#modifiers), from the
 * nested `concept` of a local CodeSystem (see terminology.ts). A code is above and below itself.
 */
import { type LocalConcept, TerminologyError, derivedCache, localCodeSystem } from './terminology.js';

interface Hierarchy {
  parents: Map<string, string[]>;
  children: Map<string, string[]>;
}

const hierarchies = derivedCache<string, Hierarchy>();

function walk(concepts: LocalConcept[], parent: string | undefined, into: Hierarchy): void {
  for (const { code, concept } of concepts) {
    if (!into.parents.has(code)) into.parents.set(code, []);
    if (parent !== undefined) {
      into.parents.get(code)!.push(parent);
      into.children.get(parent)!.push(code);
    }
    if (!into.children.has(code)) into.children.set(code, []);
    if (concept) walk(concept, code, into);
  }
}

function hierarchy(system: string): Hierarchy {
  let found = hierarchies.get(system);
  if (found) return found;
  const codeSystem = localCodeSystem(system);
  if (!codeSystem) throw new TerminologyError(`the hierarchy of code system ${system} is not known to this server`);
  found = { parents: new Map(), children: new Map() };
  walk(codeSystem.concept, undefined, found);
  hierarchies.set(system, found);
  return found;
}

/** The code and every code reachable through `links` (children for below, parents for above). */
function closure(system: string, code: string, links: (h: Hierarchy) => Map<string, string[]>): string[] {
  const step = links(hierarchy(system));
  if (!step.has(code)) throw new TerminologyError(`code ${code} is not defined in code system ${system}`);
  const out = new Set([code]);
  for (const current of out) for (const next of step.get(current) ?? []) out.add(next);
  return [...out];
}

export function codesBelow(system: string, code: string): string[] {
  return closure(system, code, (h) => h.children);
}

export function codesAbove(system: string, code: string): string[] {
  return closure(system, code, (h) => h.parents);
}
