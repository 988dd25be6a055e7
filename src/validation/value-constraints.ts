/**
 * Checks of one element value a profile can demand: fixed[x] and pattern[x], the check-digit
 * extension on an identifier value, and the resource types a Reference may point to.
 */
import type { ElementDefinition } from 'fhir/r4.js';
import { type CheckDigitKind, checkDigitIssue } from './check-digits.js';
import { issueOf } from './issue.js';
import { equalsFixed, matchesPattern } from './json-match.js';
import { type CompileContext, type ItemCheck, ProfileCompileError } from './profile-check-types.js';
import { CORE_PREFIX, coreElement } from './r4-structure-definitions.js';

export const CHECK_DIGIT_EXTENSION = 'https://egisz.example.ru/fhir/StructureDefinition/check-digit';
const CHECK_DIGIT_KINDS: readonly string[] = ['snils', 'enp', 'inn', 'ogrn'] satisfies CheckDigitKind[];
/** `Patient/1`, `Patient/1/_history/2`, or the same at the end of an absolute URL. */
const REFERENCE_TYPE = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** The fixed[x] or pattern[x] of an element: its property name and value. */
export function valueConstraintOf(def: ElementDefinition): { key: string; value: unknown } | undefined {
  for (const [key, value] of Object.entries(def)) {
    if (key.startsWith('fixed') || key.startsWith('pattern')) return { key, value };
  }
  return undefined;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

export function compileFixedOrPattern(def: ElementDefinition, ctx: CompileContext): ItemCheck | undefined {
  const constraint = valueConstraintOf(def);
  if (!constraint) return undefined;
  const expected = constraint.value;
  const wanted = shown(expected);
  if (constraint.key.startsWith('fixed')) {
    return (item, out) => {
      if (equalsFixed(item.value, expected)) return;
      out.push(issueOf('error', 'value', 'VAL_FIXED', item.path,
        `${def.id} must be exactly ${wanted} (profile ${ctx.profile}), found ${shown(item.value)}`,
        `${def.id} должен быть в точности ${wanted} (профиль ${ctx.profile}), получено ${shown(item.value)}`));
    };
  }
  return (item, out) => {
    if (matchesPattern(item.value, expected)) return;
    out.push(issueOf('error', 'value', 'VAL_PATTERN', item.path,
      `${def.id} must contain ${wanted} (profile ${ctx.profile}), found ${shown(item.value)}`,
      `${def.id} должен содержать ${wanted} (профиль ${ctx.profile}), получено ${shown(item.value)}`));
  };
}

export function compileCheckDigit(def: ElementDefinition, ctx: CompileContext): ItemCheck | undefined {
  const kind = def.extension?.find((e) => e.url === CHECK_DIGIT_EXTENSION)?.valueCode;
  if (kind === undefined) return undefined;
  if (!CHECK_DIGIT_KINDS.includes(kind)) throw new ProfileCompileError(`${ctx.profile} ${def.id}: unknown check-digit kind ${kind}`);
  return (item, out) => {
    if (typeof item.value !== 'string') return;
    const issue = checkDigitIssue(kind as CheckDigitKind, item.value, item.path);
    if (issue) out.push(issue);
  };
}

function targetTypes(def: ElementDefinition | undefined, ctx: CompileContext): string[] | undefined {
  const profiles = def?.type?.filter((t) => t.code === 'Reference').flatMap((t) => t.targetProfile ?? []);
  if (!profiles?.length) return undefined;
  const types = profiles.map((url) => (url.startsWith(CORE_PREFIX) ? url.slice(CORE_PREFIX.length) : ctx.typeOfProfile(url)));
  return types.includes(undefined) || types.includes('Resource') ? undefined : (types as string[]);
}

/** A Reference may point only to the types the profile lists, when it narrows the R4 list; contained and urn references are not looked into. */
export function compileReferenceTypes(def: ElementDefinition, ctx: CompileContext): ItemCheck | undefined {
  const allowed = targetTypes(def, ctx);
  if (!allowed) return undefined;
  const core = targetTypes(coreElement(def.base?.path ?? def.path), ctx);
  if (core && core.length === allowed.length) return undefined;
  const list = allowed.join(', ');
  return (item, out) => {
    const reference = (item.value as { reference?: unknown } | null)?.reference;
    const type = (item.value as { type?: unknown } | null)?.type;
    const named = typeof reference === 'string' ? REFERENCE_TYPE.exec(reference)?.[1] : undefined;
    for (const [found, where] of [[named, 'reference'], [type, 'type']] as const) {
      if (typeof found !== 'string' || allowed.includes(found)) continue;
      out.push(issueOf('error', 'value', 'VAL_PROFILE_TYPE', `${item.path}.${where}`,
        `${def.id} must refer to ${list} (profile ${ctx.profile}), found ${found}`,
        `${def.id} должен ссылаться на ${list} (профиль ${ctx.profile}), а ссылается на ${found}`));
    }
  };
}
