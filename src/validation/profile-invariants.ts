/**
 * A profile's own invariants (ElementDefinition.constraint added by the profile, not the R4
 * ones, which the base validation checks): each compiled once, natively when
 * native-invariants.ts has its expression, otherwise with fhirpath.js over the element's value.
 * An invariant fails when it evaluates to false; an empty result passes.
 */
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';
import type { ElementDefinition, ElementDefinitionConstraint, Extension } from 'fhir/r4.js';
import { issueOf } from './issue.js';
import { NATIVE_INVARIANTS, type NativeInvariant } from './native-invariants.js';
import { type CompileContext, type ItemCheck, ProfileCompileError, allOf } from './profile-check-types.js';
import { coreElement } from './r4-structure-definitions.js';

const TRANSLATION = 'http://hl7.org/fhir/StructureDefinition/translation';

type Holds = (value: unknown, resource: object) => boolean;

/** The Russian text of `human`, from its translation extension; the English one when there is none. */
export function russianHuman(constraint: ElementDefinitionConstraint): string {
  const translations = (constraint as { _human?: { extension?: Extension[] } })._human?.extension ?? [];
  for (const translation of translations) {
    if (translation.url !== TRANSLATION) continue;
    const parts = translation.extension ?? [];
    const lang = parts.find((p) => p.url === 'lang')?.valueCode;
    const content = parts.find((p) => p.url === 'content')?.valueString;
    if (lang?.startsWith('ru') && content) return content;
  }
  return constraint.human;
}

function withFhirpath(constraint: ElementDefinitionConstraint, basePath: string, label: string): Holds {
  let evaluate: (value: unknown, env: object) => unknown[];
  try {
    evaluate = fhirpath.compile({ base: basePath, expression: constraint.expression! } as never, r4model) as never;
  } catch (error) {
    throw new ProfileCompileError(`${label}: invariant ${constraint.key} does not parse: ${(error as Error).message}`);
  }
  return (value, resource) => !evaluate(value, { resource, rootResource: resource }).includes(false);
}

function holdsOf(constraint: ElementDefinitionConstraint, basePath: string, label: string): Holds {
  const native: NativeInvariant | undefined = NATIVE_INVARIANTS.get(constraint.expression!);
  return native ? (value) => native(value) : withFhirpath(constraint, basePath, label);
}

/** The constraints this profile (or a profile it derives from) adds to the R4 element. */
function addedConstraints(def: ElementDefinition): ElementDefinitionConstraint[] {
  const core = coreElement(def.base?.path ?? def.path);
  const coreKeys = new Set((core?.constraint ?? []).map((c) => c.key));
  return (def.constraint ?? []).filter((c) => !coreKeys.has(c.key) && c.expression);
}

function invariantCheck(constraint: ElementDefinitionConstraint, def: ElementDefinition, ctx: CompileContext): ItemCheck {
  const holds = holdsOf(constraint, def.path, `${ctx.profile} ${def.id}`);
  const severity = constraint.severity === 'warning' ? 'warning' : 'error';
  const reason = `VAL_INVARIANT_${constraint.key}`;
  const en = `${constraint.human} (rule ${constraint.key} of profile ${ctx.profile})`;
  const ru = `${russianHuman(constraint)} (правило ${constraint.key} профиля ${ctx.profile})`;
  return (item, out, resource) => {
    if (!holds(item.value, resource)) out.push(issueOf(severity, 'invariant', reason, item.path, en, ru));
  };
}

export function compileInvariants(def: ElementDefinition, ctx: CompileContext): ItemCheck | undefined {
  return allOf(addedConstraints(def).map((constraint) => invariantCheck(constraint, def, ctx)));
}
