/**
 * Snapshot generation (profiling.html#snapshot): a profile's differential applied over the
 * snapshot of its base (an R4 definition or another profile). Elements the differential names
 * below a data type are reached by unfolding that type's R4 definition; a slice starts as a copy
 * of the element it slices. Constraints are added to the base's, every other property replaces
 * the base's value. Runs once per profile, when it is loaded or registered.
 */
import type { ElementDefinition, StructureDefinition } from 'fhir/r4.js';
import { coreDefinitionOfType } from './r4-structure-definitions.js';

export class SnapshotError extends Error {}

/** A StructureDefinition with its snapshot, by canonical URL. */
export type ResolveStructure = (url: string) => StructureDefinition | undefined;

type Props = Record<string, unknown>;

export function generateSnapshot(profile: StructureDefinition, resolveBase: ResolveStructure): StructureDefinition {
  const label = profile.url ?? profile.id ?? 'StructureDefinition';
  if (!profile.baseDefinition) throw new SnapshotError(`${label}: baseDefinition is missing`);
  const base = resolveBase(profile.baseDefinition);
  if (!base?.snapshot) throw new SnapshotError(`${label}: base ${profile.baseDefinition} is not known`);
  if (base.type !== profile.type) throw new SnapshotError(`${label}: type ${profile.type} differs from the base's ${base.type}`);
  const builder = new SnapshotBuilder(structuredClone(base.snapshot.element), label);
  for (const diff of profile.differential?.element ?? []) builder.apply(diff, profile.url);
  return { ...profile, snapshot: { element: builder.elements } };
}

/** The id a differential element stands for: its own, or its path (with the slice name when it starts a slice). */
function idOf(diff: ElementDefinition): string {
  if (diff.id) return diff.id;
  return diff.sliceName ? `${diff.path}:${diff.sliceName}` : diff.path;
}

function maxNumber(max: string | undefined): number {
  return max === undefined || max === '*' ? Infinity : Number(max);
}

class SnapshotBuilder {
  constructor(readonly elements: ElementDefinition[], private readonly label: string) {}

  apply(diff: ElementDefinition, source: string | undefined): void {
    const id = idOf(diff);
    const element = this.elements[this.ensure(id)]!;
    this.checkNarrowing(element, diff, id);
    merge(element, diff, source);
  }

  private indexOf(id: string): number {
    return this.elements.findIndex((e) => e.id === id);
  }

  /** The index of the element `id`, creating the slice or unfolding the data type it needs. */
  private ensure(id: string): number {
    const found = this.indexOf(id);
    if (found >= 0) return found;
    const dot = id.lastIndexOf('.');
    if (dot < 0) throw this.error(`${id} is not an element of the base`);
    const parentId = id.slice(0, dot);
    const last = id.slice(dot + 1);
    const colon = last.indexOf(':');
    if (colon >= 0) {
      this.addSlice(`${parentId}.${last.slice(0, colon)}`, last.slice(colon + 1));
    } else {
      this.unfold(this.ensure(parentId));
    }
    const index = this.indexOf(id);
    if (index < 0) throw this.error(`${id} is not an element of the base`);
    return index;
  }

  /** The index just past the element at `index` with its children and slices. */
  private subtreeEnd(index: number, withSlices: boolean): number {
    const id = this.elements[index]!.id!;
    let end = index + 1;
    while (end < this.elements.length) {
      const next = this.elements[end]!.id!;
      if (!next.startsWith(`${id}.`) && !(withSlices && next.startsWith(`${id}:`))) break;
      end++;
    }
    return end;
  }

  private addSlice(slicedId: string, sliceName: string): void {
    const index = this.ensure(slicedId);
    const copy = structuredClone(this.elements.slice(index, this.subtreeEnd(index, false)));
    const sliceId = `${slicedId}:${sliceName}`;
    for (const element of copy) element.id = sliceId + element.id!.slice(slicedId.length);
    copy[0]!.sliceName = sliceName;
    delete copy[0]!.slicing;
    this.elements.splice(this.subtreeEnd(index, true), 0, ...copy);
  }

  /** Adds the children of a data type (or of the element a contentReference names) below the element at `index`. */
  private unfold(index: number): void {
    const element = this.elements[index]!;
    if (this.elements[index + 1]?.id?.startsWith(`${element.id}.`)) return;
    const children = this.childrenToCopy(element);
    const copies = structuredClone(children.elements).map((child) => ({
      ...child,
      id: element.id + child.id!.slice(children.fromId.length),
      path: element.path + child.path.slice(children.fromPath.length),
    }));
    this.elements.splice(index + 1, 0, ...copies);
  }

  private childrenToCopy(element: ElementDefinition): { elements: ElementDefinition[]; fromId: string; fromPath: string } {
    if (element.contentReference) {
      const path = element.contentReference.slice(element.contentReference.indexOf('#') + 1);
      const at = this.elements.findIndex((e) => e.id === path);
      if (at < 0) throw this.error(`${element.id}: contentReference ${element.contentReference} not found`);
      const children = this.elements.slice(at + 1, this.subtreeEnd(at, false));
      return { elements: children, fromId: path, fromPath: path };
    }
    const codes = element.type?.map((t) => t.code) ?? [];
    if (codes.length !== 1) throw this.error(`${element.id}: elements inside an element of ${codes.length} types cannot be constrained here`);
    const definition = coreDefinitionOfType(codes[0]!);
    if (!definition?.snapshot) throw this.error(`${element.id}: data type ${codes[0]} is not known`);
    return { elements: definition.snapshot.element.slice(1), fromId: codes[0]!, fromPath: codes[0]! };
  }

  /** A profile may only narrow: a slice keeps its own min, but never exceeds the max of what it slices. */
  private checkNarrowing(element: ElementDefinition, diff: ElementDefinition, id: string): void {
    if (diff.min !== undefined && diff.min < (element.min ?? 0) && !diff.sliceName) {
      throw this.error(`${id}: min ${diff.min} is below the base's ${element.min}`);
    }
    if (diff.max !== undefined && maxNumber(diff.max) > maxNumber(element.max)) {
      throw this.error(`${id}: max ${diff.max} is above the base's ${element.max}`);
    }
  }

  private error(message: string): SnapshotError {
    return new SnapshotError(`${this.label}: ${message}`);
  }
}

function isValueConstraint(key: string): boolean {
  return key.startsWith('fixed') || key.startsWith('pattern');
}

function merge(element: ElementDefinition, diff: ElementDefinition, source: string | undefined): void {
  const into = element as unknown as Props;
  for (const [key, value] of Object.entries(diff as unknown as Props)) {
    if (key === 'id' || key === 'path') continue;
    if (key === 'constraint') {
      const added = (value as NonNullable<ElementDefinition['constraint']>).map((c) => ({ ...c, source: c.source ?? source }));
      element.constraint = [...(element.constraint ?? []), ...structuredClone(added)];
      continue;
    }
    if (isValueConstraint(key)) for (const old of Object.keys(into)) if (isValueConstraint(old)) delete into[old];
    into[key] = structuredClone(value);
  }
}
