/**
 * A profile's snapshot compiled once into plain functions over the resource JSON: what the
 * profile demands beyond R4 (cardinality, types, fixed and pattern values, slicing, bindings,
 * its own invariants, identifier check digits). Elements the profile leaves as R4 has them
 * compile to nothing, so a resource is walked only where the profile has something to say.
 * R4's own rules are the base validation's job.
 */
import type { ElementDefinition, Resource, StructureDefinition } from 'fhir/r4.js';
import { issueOf, type ValidationIssue } from './issue.js';
import { type ElementNode, elementTree } from './element-tree.js';
import { compileBinding } from './bindings.js';
import { compileInvariants } from './profile-invariants.js';
import { type CompileContext, type Item, type ItemCheck, type MemberCheck, ProfileCompileError, allOf } from './profile-check-types.js';
import { coreElement } from './r4-structure-definitions.js';
import { compileSlicing } from './slicing.js';
import { compileCheckDigit, compileFixedOrPattern, compileReferenceTypes } from './value-constraints.js';

export type ProfileValidator = (resource: Resource) => ValidationIssue[];

type Reader = (parent: Record<string, unknown>, parentPath: string) => Item[];

const NO_ITEMS: Item[] = [];

function capitalized(type: string): string {
  return type[0]!.toUpperCase() + type.slice(1);
}

/** The types a choice element may hold in R4 (the profile may allow fewer). */
function coreTypes(def: ElementDefinition): string[] {
  return (coreElement(def.base?.path ?? def.path)?.type ?? def.type ?? []).map((t) => t.code);
}

/** The values of an element in a parent: `value[x]` reads every `value<Type>`, lists are indexed in the path. */
function readerOf(node: ElementNode): Reader {
  const { def, name } = node;
  if (name.endsWith('[x]')) {
    const stem = name.slice(0, -3);
    const keys = coreTypes(def).map((type) => [stem + capitalized(type), type] as const);
    return (parent, parentPath) => {
      const items: Item[] = [];
      for (const [key, type] of keys) {
        if (parent[key] !== undefined) items.push({ value: parent[key], path: `${parentPath}.${stem}.ofType(${type})`, type });
      }
      return items;
    };
  }
  const repeats = (def.base?.max ?? def.max) !== '1';
  return (parent, parentPath) => {
    const raw = parent[name];
    if (raw === undefined) return NO_ITEMS;
    if (Array.isArray(raw)) return raw.map((value, k) => ({ value, path: `${parentPath}.${name}[${k}]`, type: undefined }));
    return [{ value: raw, path: repeats ? `${parentPath}.${name}[0]` : `${parentPath}.${name}`, type: undefined }];
  };
}

type CountCheck = (count: number, elementPath: string, out: ValidationIssue[]) => void;

function compileCardinality(def: ElementDefinition, ctx: CompileContext): CountCheck | undefined {
  const min = def.min ?? 0;
  const max = def.max === undefined || def.max === '*' ? Infinity : Number(def.max);
  if (min === (def.base?.min ?? 0) && def.max === (def.base?.max ?? def.max)) return undefined;
  return (count, elementPath, out) => {
    if (count < min) {
      const [en, ru] = count === 0 && min === 1
        ? ['is required and missing', 'обязателен, но отсутствует']
        : [`needs at least ${min} value(s), found ${count}`, `требуется не менее ${min} значений, найдено ${count}`];
      out.push(issueOf('error', 'required', 'VAL_PROFILE_CARDINALITY', elementPath,
        `${def.id} ${en} (profile ${ctx.profile}, min ${min})`, `${def.id} ${ru} (профиль ${ctx.profile}, min ${min})`));
    } else if (count > max) {
      out.push(issueOf('error', 'structure', 'VAL_PROFILE_CARDINALITY', elementPath,
        `${def.id} allows at most ${max} value(s) under profile ${ctx.profile}, found ${count}`,
        `${def.id}: по профилю ${ctx.profile} допускается не более ${max} значений, найдено ${count}`));
    }
  };
}

/** A choice element narrowed to fewer types: a value of another type is an error. */
function compileChoiceTypes(node: ElementNode, ctx: CompileContext): ItemCheck | undefined {
  if (!node.name.endsWith('[x]')) return undefined;
  const allowed = (node.def.type ?? []).map((t) => t.code);
  if (allowed.length === 0 || allowed.length === coreTypes(node.def).length) return undefined;
  const list = allowed.join(', ');
  return (item, out) => {
    if (item.type === undefined || allowed.includes(item.type)) return;
    out.push(issueOf('error', 'structure', 'VAL_PROFILE_TYPE', item.path,
      `${node.def.id} may be ${list} under profile ${ctx.profile}, found ${item.type}`,
      `${node.def.id} по профилю ${ctx.profile} может иметь тип ${list}, получен ${item.type}`));
  };
}

function compileChildren(node: ElementNode, ctx: CompileContext): ItemCheck | undefined {
  const members = node.children.map((child) => compileMember(child, ctx)).filter((m): m is MemberCheck => m !== undefined);
  if (members.length === 0) return undefined;
  return (item, out, resource) => {
    const value = item.value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    for (const member of members) member(value as Record<string, unknown>, item.path, out, resource);
  };
}

/** The checks of one value of an element (or of a slice): its own constraints, then its children's. */
function compileItem(node: ElementNode, ctx: CompileContext): ItemCheck | undefined {
  return allOf([
    compileChoiceTypes(node, ctx),
    compileFixedOrPattern(node.def, ctx),
    compileReferenceTypes(node.def, ctx),
    compileBinding(node.def, ctx),
    compileCheckDigit(node.def, ctx),
    compileInvariants(node.def, ctx),
    compileChildren(node, ctx),
  ]);
}

/** The checks of one element inside a parent object: its count, its slices and each of its values. */
function compileMember(node: ElementNode, ctx: CompileContext): MemberCheck | undefined {
  const cardinality = compileCardinality(node.def, ctx);
  const slicing = compileSlicing(node, ctx, (slice) => compileItem(slice, ctx));
  const itemCheck = compileItem(node, ctx);
  if (!cardinality && !slicing && !itemCheck) return undefined;
  const read = readerOf(node);
  const name = node.name.endsWith('[x]') ? node.name.slice(0, -3) : node.name;
  return (parent, parentPath, out, resource) => {
    const items = read(parent, parentPath);
    const elementPath = `${parentPath}.${name}`;
    cardinality?.(items.length, elementPath, out);
    slicing?.(items, elementPath, out, resource);
    if (itemCheck) for (const item of items) itemCheck(item, out, resource);
  };
}

/**
 * Compiles a StructureDefinition with its snapshot. `typeOfProfile` tells the resource type of
 * a non-R4 targetProfile. Throws ProfileCompileError on what this compiler does not support.
 */
export function compileProfile(sd: StructureDefinition, typeOfProfile: (url: string) => string | undefined = () => undefined): ProfileValidator {
  if (!sd.snapshot?.element.length) throw new ProfileCompileError(`${sd.url}: no snapshot`);
  const ctx: CompileContext = { profile: sd.id ?? sd.name ?? sd.url, typeOfProfile };
  const check = compileItem(elementTree(sd.snapshot.element), ctx);
  const type = sd.type;
  const isResource = sd.kind === 'resource';
  return (resource) => {
    const out: ValidationIssue[] = [];
    if (isResource && resource.resourceType !== type) {
      out.push(issueOf('error', 'structure', 'VAL_PROFILE_TYPE', resource.resourceType ?? type,
        `Profile ${ctx.profile} applies to ${type}, not to ${resource.resourceType}`,
        `Профиль ${ctx.profile} применяется к ${type}, а не к ${resource.resourceType}`));
      return out;
    }
    check?.({ value: resource, path: type, type: undefined }, out, resource);
    return out;
  };
}
