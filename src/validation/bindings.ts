/**
 * Bindings a profile adds or changes (terminologies.html#binding): a code must be in the bound
 * ValueSet (required -> error, extensible -> warning). When the dictionary is not loaded here
 * the code cannot be checked, and a warning says so. R4's own bindings are left to the base
 * validation.
 */
import type { Coding, ElementDefinition } from 'fhir/r4.js';
import { issueOf, type ValidationIssue } from './issue.js';
import type { CompileContext, Item, ItemCheck } from './profile-check-types.js';
import { coreElement } from './r4-structure-definitions.js';
import { type Membership, type MembershipTest, valueSetMembership } from './value-set-membership.js';

type Json = Record<string, unknown>;

interface Bound {
  valueSet: string;
  strength: 'required' | 'extensible';
  test: MembershipTest;
  id: string;
  profile: string;
}

function described(system: string | undefined, code: string): string {
  return system === undefined ? `"${code}"` : `"${code}" (${system})`;
}

function unknownIssue(bound: Bound, path: string, system: string | undefined, code: string, dictionary: string): ValidationIssue {
  const what = described(system, code);
  return issueOf('warning', 'not-supported', 'VAL_BINDING_UNKNOWN_DICTIONARY', path,
    `${bound.id}: code ${what} was not checked: the dictionary ${dictionary} of ValueSet ${bound.valueSet} is not loaded on this server`,
    `${bound.id}: код ${what} не проверен: справочник ${dictionary} набора значений ${bound.valueSet} не загружен на сервер`);
}

function outsideIssue(bound: Bound, path: string, codes: string): ValidationIssue {
  const required = bound.strength === 'required';
  return issueOf(required ? 'error' : 'warning', 'value', 'VAL_BINDING', path,
    `${bound.id}: ${codes} is not in the ValueSet ${bound.valueSet}, ${required ? 'required' : 'expected (extensible binding)'} by profile ${bound.profile}`,
    `${bound.id}: ${codes} не входит в набор значений ${bound.valueSet}, ${required ? 'обязательный' : 'ожидаемый (расширяемая привязка)'} по профилю ${bound.profile}`);
}

/** Tests the codings of one value; reports the first unknown one when none is a member, or all of them when none can be. */
function checkCodings(bound: Bound, path: string, codings: Coding[], out: ValidationIssue[]): void {
  let unknown: { coding: Coding; answer: Membership & { kind: 'unknown' } } | undefined;
  const outside: string[] = [];
  for (const coding of codings) {
    if (typeof coding?.code !== 'string') continue;
    const answer = bound.test(coding.system, coding.code);
    if (answer.kind === 'member') return;
    if (answer.kind === 'unknown') unknown ??= { coding, answer };
    else outside.push(described(coding.system, coding.code));
  }
  if (unknown) out.push(unknownIssue(bound, path, unknown.coding.system, unknown.coding.code!, unknown.answer.dictionary));
  else if (outside.length > 0) out.push(outsideIssue(bound, path, `code ${outside.join(', ')}`));
  else if (bound.strength === 'required') out.push(outsideIssue(bound, path, 'a value without a code'));
}

function codingsOf(item: Item, type: string | undefined): Coding[] | undefined {
  const value = item.value as Json | string | null;
  switch (type) {
    case 'code': return typeof value === 'string' ? [{ code: value }] : undefined;
    case 'Coding':
    case 'Quantity': return value !== null && typeof value === 'object' && value.code !== undefined ? [value as Coding] : undefined;
    case 'CodeableConcept': {
      const coding = value !== null && typeof value === 'object' ? value.coding : undefined;
      return Array.isArray(coding) ? coding : [];
    }
    default: return undefined;
  }
}

function changesCoreBinding(def: ElementDefinition): boolean {
  const core = coreElement(def.base?.path ?? def.path)?.binding;
  return core?.valueSet !== def.binding?.valueSet || core?.strength !== def.binding?.strength;
}

export function compileBinding(def: ElementDefinition, ctx: CompileContext): ItemCheck | undefined {
  const binding = def.binding;
  if (!binding?.valueSet || (binding.strength !== 'required' && binding.strength !== 'extensible')) return undefined;
  if (!changesCoreBinding(def)) return undefined;
  const bound: Bound = { valueSet: binding.valueSet, strength: binding.strength, test: valueSetMembership(binding.valueSet), id: def.id ?? def.path, profile: ctx.profile };
  const declaredType = def.type?.length === 1 ? def.type[0]!.code : undefined;
  return (item, out) => {
    const codings = codingsOf(item, item.type ?? declaredType);
    if (codings) checkCodings(bound, item.path, codings, out);
  };
}
