/**
 * Turns the constraints of an element into checks: native code for the few listed in
 * invariant-native.ts, otherwise the FHIRPath expression, tried first on the fast path
 * (invariant-fast-path.ts) and evaluated with fhirpath.js (5.2.0, R4 model) when that cannot
 * answer. Each expression is compiled on its first use, once.
 *
 * A constraint holds unless its expression gives false: an empty result (a comparison of dates
 * of different precision in per-1, say) is not treated as a failure, and neither is an
 * evaluation error.
 */
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';
import type { ConstraintDefinition } from './invariant-definitions.js';
import type { Constraint, EvalScope, NodeModel } from './invariant-model.js';
import { NATIVE_CHECKS } from './invariant-native.js';
import { compileFast, UNKNOWN, type FastCheck, type FastVerdict } from './invariant-fast-path.js';

/**
 * Constraints not checked here, and why. None of the R4 constraints is a mere restatement of
 * fhir.schema.json (it has types, enums, patterns and required properties, but no rule across
 * elements); what it does cover is ele-1's primitive half, since its string patterns refuse ""
 * and null, so ele-1 is only checked for objects.
 */
const NOT_CHECKED: ReadonlyMap<string, string> = new Map([
  ['ele-1', 'checked for every element object by the walker itself (invariants.ts), not per element definition'],
  ['bdl-7', 'enforced before storing by src/fhir/bundle-rules.ts'],
  ['bdl-9', 'enforced before storing by src/fhir/bundle-rules.ts'],
  ['bdl-10', 'enforced before storing by src/fhir/bundle-rules.ts'],
  ['bdl-11', 'enforced before storing by src/fhir/bundle-rules.ts'],
  ['bdl-12', 'enforced before storing by src/fhir/bundle-rules.ts'],
  // fhirpath.js 5.2.0 builds matches() patterns with the `u` flag, which refuses R4's escapes.
  ['eld-16', 'fhirpath.js 5.2.0: "Invalid regular expression ... Invalid escape" (the pattern escapes - and @)'],
  ['eld-19', 'fhirpath.js 5.2.0: "Invalid regular expression ... Invalid escape" (the pattern escapes \' and :)'],
  ['eld-20', 'fhirpath.js 5.2.0: "Invalid regular expression ... Lone quantifier brackets"'],
  ['ras-1', 'fhirpath.js 5.2.0 fails on a decimal primitive as focus ("ctx.getDecimal is not a function")'],
]);

const HOLDS: readonly string[] = [];
const FAILS_HERE: readonly string[] = [''];
/** Expressions fhirpath.js could not compile, with its message. */
const uncompilable = new Map<string, string>();

type SlowCheck = (node: unknown, env: EvalScope['env']) => FastVerdict | 'error';

function verdictOf(result: unknown[]): FastVerdict {
  if (result.length === 0) return null;
  return result.length === 1 && typeof result[0] === 'boolean' ? result[0] : UNKNOWN;
}

function compileSlow(definition: ConstraintDefinition, base: string): SlowCheck | undefined {
  try {
    const evaluate = fhirpath.compile({ base, expression: definition.expression ?? '' }, r4model, { traceFn: () => undefined }) as
      (node: unknown, env: object) => unknown[];
    return (node, env) => {
      try {
        return verdictOf(evaluate(node, env));
      } catch {
        return 'error';
      }
    };
  } catch (err) {
    uncompilable.set(`${base} ${definition.key}`, (err as Error).message);
    return undefined;
  }
}

function expressionCheck(definition: ConstraintDefinition, base: string, focusModel: () => NodeModel | undefined): Constraint['check'] {
  let fast: FastCheck | undefined;
  let slow: SlowCheck | undefined | null;
  return (node, scope) => {
    fast ??= compileFast(definition.expression ?? '');
    const quick = fast(node, focusModel());
    if (quick !== UNKNOWN && !scope.disagreements) return quick === false ? FAILS_HERE : HOLDS;
    if (slow === undefined) slow = compileSlow(definition, base) ?? null;
    if (!slow) return HOLDS;
    const full = slow(node, scope.env);
    if (scope.disagreements && (full === 'error' || (quick !== UNKNOWN && quick !== full))) {
      scope.disagreements.push(`${base} ${definition.key}: fast path ${String(quick)}, fhirpath ${String(full)}`);
    }
    return full === false ? FAILS_HERE : HOLDS;
  };
}

/** The checks for the constraints of one element (or type), whose FHIRPath base is `base`. */
export function compileConstraints(definitions: readonly ConstraintDefinition[], base: string, focusModel: () => NodeModel | undefined): Constraint[] {
  const checks: Constraint[] = [];
  for (const definition of definitions) {
    // Best-practice guidance (dom-6: a resource should have a narrative) is not a rule.
    if (definition.bestPractice || NOT_CHECKED.has(definition.key)) continue;
    const check = NATIVE_CHECKS.get(definition.key) ?? (definition.expression ? expressionCheck(definition, base, focusModel) : undefined);
    if (check) checks.push({ key: definition.key, severity: definition.severity, human: definition.human, check });
  }
  return checks;
}

/** `<base> <key>` of every expression fhirpath.js failed to compile so far, with its message. */
export function uncompilableConstraints(): ReadonlyMap<string, string> {
  return uncompilable;
}
