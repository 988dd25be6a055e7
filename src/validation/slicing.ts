/**
 * Slicing (profiling.html#slicing) with value, pattern and exists discriminators: each value of
 * a sliced element goes to the first slice it matches and is checked by that slice's rules;
 * each slice's min/max is counted; under closed rules a value matching no slice is an error.
 * `ordered` is not checked.
 */
import type { ElementDefinition, ElementDefinitionSlicingDiscriminator } from 'fhir/r4.js';
import { issueOf, type ValidationIssue } from './issue.js';
import type { ElementNode } from './element-tree.js';
import { equalsFixed, matchesPattern } from './json-match.js';
import { type CompileContext, type Item, type ItemCheck, ProfileCompileError } from './profile-check-types.js';
import { valueConstraintOf } from './value-constraints.js';

/** Checks the values of one sliced element under one parent; `elementPath` locates the element itself. */
export type SlicingCheck = (items: Item[], elementPath: string, out: ValidationIssue[], resource: object) => void;

type Matcher = (value: unknown) => boolean;

interface CompiledSlice {
  name: string;
  matches: Matcher;
  /** What a matching value looks like, for messages: `system = urn:oid:1.2.643.100.3`. */
  shape: string;
  min: number;
  max: number;
  check: ItemCheck | undefined;
}

/** Reads the values at a dotted path below a value (`$this`: the value itself). */
function pathReader(path: string): (value: unknown) => unknown[] {
  if (path === '$this') return (value) => [value];
  const names = path.split('.');
  return (value) => {
    let current: unknown[] = [value];
    for (const name of names) {
      const next: unknown[] = [];
      for (const v of current) {
        const child = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[name] : undefined;
        if (Array.isArray(child)) next.push(...child);
        else if (child !== undefined) next.push(child);
      }
      current = next;
    }
    return current;
  };
}

function elementAt(slice: ElementNode, path: string): ElementDefinition | undefined {
  let node: ElementNode | undefined = slice;
  if (path !== '$this') for (const name of path.split('.')) node = node?.children.find((c) => c.name === name);
  return node?.def;
}

function discriminatorMatcher(slice: ElementNode, discriminator: ElementDefinitionSlicingDiscriminator, label: string): { matches: Matcher; shape: string } {
  const { type, path } = discriminator;
  const def = elementAt(slice, path);
  if (!def) throw new ProfileCompileError(`${label}: slice ${slice.def.sliceName} has no element ${path} to discriminate on`);
  const where = path === '$this' ? '' : `${path} `;
  const valuesAt = pathReader(path);
  if (type === 'exists') {
    const present = (def.min ?? 0) > 0;
    return { matches: (v) => (valuesAt(v).length > 0) === present, shape: `${path} ${present ? 'present' : 'absent'}` };
  }
  const constraint = valueConstraintOf(def);
  if ((type !== 'value' && type !== 'pattern') || !constraint) {
    throw new ProfileCompileError(`${label}: slice ${slice.def.sliceName}: discriminator ${type} on ${path} needs a fixed or pattern value; only value, pattern and exists discriminators are supported`);
  }
  const expected = constraint.value;
  const exact = constraint.key.startsWith('fixed');
  const matchOne = exact ? (v: unknown) => equalsFixed(v, expected) : (v: unknown) => matchesPattern(v, expected);
  const text = typeof expected === 'string' ? expected : JSON.stringify(expected);
  return { matches: (v) => valuesAt(v).some(matchOne), shape: `${where}${exact ? '= ' : 'matching '}${text}` };
}

function compileSlice(slice: ElementNode, discriminators: ElementDefinitionSlicingDiscriminator[], label: string, check: ItemCheck | undefined): CompiledSlice {
  const parts = discriminators.map((d) => discriminatorMatcher(slice, d, label));
  const max = slice.def.max === undefined || slice.def.max === '*' ? Infinity : Number(slice.def.max);
  return {
    name: slice.def.sliceName!,
    matches: (value) => parts.every((p) => p.matches(value)),
    shape: parts.map((p) => p.shape).join(', '),
    min: slice.def.min ?? 0,
    max,
    check,
  };
}

function countIssue(def: ElementDefinition, slice: CompiledSlice, count: number, path: string, ctx: CompileContext): ValidationIssue {
  const tooFew = count < slice.min;
  const limit = tooFew ? `at least ${slice.min}` : `at most ${slice.max}`;
  const limitRu = tooFew ? `не менее ${slice.min}` : `не более ${slice.max}`;
  return issueOf('error', tooFew ? 'required' : 'structure', 'VAL_SLICE', path,
    `${def.id}: slice "${slice.name}" (${slice.shape}) needs ${limit} element(s) under profile ${ctx.profile}, found ${count}`,
    `${def.id}: срез "${slice.name}" (${slice.shape}) по профилю ${ctx.profile} требует ${limitRu} элемент(ов), найдено ${count}`);
}

function unmatchedIssue(def: ElementDefinition, slices: CompiledSlice[], path: string, ctx: CompileContext): ValidationIssue {
  const list = slices.map((s) => `"${s.name}" (${s.shape})`).join('; ') || 'none';
  return issueOf('error', 'structure', 'VAL_SLICE', path,
    `${def.id}: this value matches none of the slices ${list}, and profile ${ctx.profile} allows no others (closed slicing)`,
    `${def.id}: значение не подходит ни к одному из срезов ${list}, а профиль ${ctx.profile} других не допускает (закрытая нарезка)`);
}

/** `compileItem` compiles the checks of a slice's own values (its fixed values, children, bindings...). */
export function compileSlicing(node: ElementNode, ctx: CompileContext, compileItem: (slice: ElementNode) => ItemCheck | undefined): SlicingCheck | undefined {
  const slicing = node.def.slicing;
  if (!slicing || (node.slices.length === 0 && slicing.rules !== 'closed')) return undefined;
  const label = `${ctx.profile} ${node.def.id}`;
  const discriminators = slicing.discriminator ?? [];
  if (discriminators.length === 0 && node.slices.length > 0) throw new ProfileCompileError(`${label}: slicing without a discriminator is not supported`);
  const slices = node.slices.map((s) => compileSlice(s, discriminators, label, compileItem(s)));
  const closed = slicing.rules === 'closed';
  return (items, elementPath, out, resource) => {
    const counts = new Array<number>(slices.length).fill(0);
    for (const item of items) {
      const index = slices.findIndex((s) => s.matches(item.value));
      if (index < 0) {
        if (closed) out.push(unmatchedIssue(node.def, slices, item.path, ctx));
        continue;
      }
      counts[index]!++;
      slices[index]!.check?.(item, out, resource);
    }
    slices.forEach((slice, k) => {
      const count = counts[k]!;
      if (count < slice.min || count > slice.max) out.push(countIssue(node.def, slice, count, elementPath, ctx));
    });
  };
}
