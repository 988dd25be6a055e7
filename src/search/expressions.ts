/**
 * Compiles SearchParameter FHIRPath expressions once and evaluates them with the
 * R4 model, returning each value with its FHIR type name ("Identifier", "dateTime"...).
 */
import { splitUnion } from './fhirpath-union.js';
import { compileWithFhirpath, type CompiledPart, type TypedValue } from './fhirpath-eval.js';
import { compileSimplePath, type FastPath } from './simple-path.js';

export { rewriteExpression, type TypedValue } from './fhirpath-eval.js';

export interface Evaluator {
  (resource: object): TypedValue[];
  /**
   * The top-level JSON keys of the resource the expression reads: when none of them is
   * present the result is empty. Undefined when that is not known (fhirpath parts).
   */
  readonly keys?: readonly string[];
}

export interface CompileOptions {
  /** Evaluate every part with the FHIRPath engine (to check the fast path against it). */
  fhirpathOnly?: boolean;
}

const cache = new Map<string, Evaluator>();

function union(parts: FastPath[]): Evaluator {
  const evaluate = (resource: object): TypedValue[] => {
    const out: TypedValue[] = [];
    for (const part of parts) {
      const values = part(resource);
      for (let i = 0; i < values.length; i++) out.push(values[i]);
    }
    return out;
  };
  const keys = parts.every((p) => p.keys !== undefined) ? [...new Set(parts.flatMap((p) => p.keys!))] : undefined;
  return keys ? Object.assign(evaluate, { keys }) : evaluate;
}

/**
 * Compiles (once) an expression; throws when fhirpath cannot parse it. Simple paths
 * are walked directly (simple-path.ts), the rest runs on fhirpath.
 */
export function compileExpression(expression: string, options: CompileOptions = {}): Evaluator {
  const key = `${options.fhirpathOnly ? 'F' : 'S'}${expression}`;
  let evaluator = cache.get(key);
  if (evaluator) return evaluator;
  // Each union part is compiled on its own: `A | B and C` would otherwise bind wrongly.
  const parts: FastPath[] = splitUnion(expression).map((part): CompiledPart =>
    (options.fhirpathOnly ? undefined : compileSimplePath(part)) ?? compileWithFhirpath(part));
  evaluator = parts.length === 1 ? parts[0] : union(parts);
  cache.set(key, evaluator);
  return evaluator;
}
