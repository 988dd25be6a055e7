/**
 * A snapshot's flat element list as a tree: each element with its children and its slices
 * (each slice with its own children), as the ids say (`Patient.identifier:snils.value`).
 */
import type { ElementDefinition } from 'fhir/r4.js';
import { ProfileCompileError } from './profile-check-types.js';

export interface ElementNode {
  def: ElementDefinition;
  /** The element's name in its parent: `identifier`, `value[x]`. */
  name: string;
  children: ElementNode[];
  slices: ElementNode[];
}

export function elementTree(elements: readonly ElementDefinition[]): ElementNode {
  const [first, ...rest] = elements;
  if (!first) throw new ProfileCompileError('a snapshot without elements');
  const root: ElementNode = { def: first, name: first.path, children: [], slices: [] };
  const byId = new Map<string, ElementNode>([[first.id ?? first.path, root]]);
  for (const def of rest) {
    const id = def.id ?? def.path;
    const dot = id.lastIndexOf('.');
    const parentId = id.slice(0, dot);
    const last = id.slice(dot + 1);
    const colon = last.indexOf(':');
    const node: ElementNode = { def, name: colon < 0 ? last : last.slice(0, colon), children: [], slices: [] };
    byId.set(id, node);
    const owner = colon < 0 ? byId.get(parentId) : byId.get(`${parentId}.${node.name}`);
    if (!owner) throw new ProfileCompileError(`element ${id} comes before its parent`);
    (colon < 0 ? owner.children : owner.slices).push(node);
  }
  return root;
}
