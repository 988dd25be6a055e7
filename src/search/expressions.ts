/**
 * Compiles SearchParameter FHIRPath expressions once and evaluates them with the
 * R4 model, returning each value with its FHIR type name ("Identifier", "dateTime"...).
 */
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';
import { splitUnion } from './fhirpath-union.js';
import { compileSimplePath } from './simple-path.js';

export interface TypedValue {
  value: unknown;
  /** FHIR or System type name without namespace: "Quantity", "date", "Boolean"... */
  type: string;
}

export type Evaluator = (resource: object) => TypedValue[];

/**
 * Rewrites the R4 expressions into forms fhirpath.js evaluates over collections
 * and without a resolver:
 * - `X as T` and `X.as(T)` -> `X.ofType(T)` (`as` demands a singleton)
 * - `.where(resolve() is T)` -> a test on the reference text (no resolving at write time)
 */
export function rewriteExpression(expression: string): string {
  return expression
    .replace(/([A-Za-z][\w.]*)\s+as\s+([A-Za-z]\w*)/g, '$1.ofType($2)')
    .replace(/\.as\(([A-Za-z]\w*)\)/g, '.ofType($1)')
    .replace(/\.where\(resolve\(\)\s+is\s+([A-Za-z]+)\)/g,
      ".where(reference.startsWith('$1/') or reference.contains('/$1/'))");
}

type CompiledPart = (resource: object) => TypedValue[];

function compileWithFhirpath(part: string): CompiledPart {
  const fn = fhirpath.compile(rewriteExpression(part), r4model, { resolveInternalTypes: false }) as (r: object) => unknown[];
  return (resource) => {
    const nodes = fn(resource);
    if (nodes.length === 0) return [];
    const types = fhirpath.types(nodes);
    const out: TypedValue[] = [];
    nodes.forEach((node, k) => {
      const value = unwrap(node);
      if (value !== undefined && value !== null) out.push({ value, type: typeName(types[k]) });
    });
    return out;
  };
}

export interface CompileOptions {
  /** Evaluate every part with the FHIRPath engine (to check the fast path against it). */
  fhirpathOnly?: boolean;
}

function typeName(qualified: string | undefined): string {
  return (qualified ?? '').replace(/^(FHIR|System)\./, '');
}

/** The JSON value of a result node; fhirpath's decimal wrapper becomes a number. */
function unwrap(node: unknown): unknown {
  const value = node !== null && typeof node === 'object' && 'data' in node ? (node as { data: unknown }).data : node;
  if (value !== null && typeof value === 'object' && typeof (value as { toNumber?: unknown }).toNumber === 'function') {
    return (value as { toNumber(): number }).toNumber();
  }
  return value;
}

const cache = new Map<string, Evaluator>();

/**
 * Compiles (once) an expression; throws when fhirpath cannot parse it. Simple paths
 * are walked directly (simple-path.ts), the rest runs on fhirpath.
 */
export function compileExpression(expression: string, options: CompileOptions = {}): Evaluator {
  const key = `${options.fhirpathOnly ? 'F' : 'S'}${expression}`;
  let evaluator = cache.get(key);
  if (evaluator) return evaluator;
  // Each union part is compiled on its own: `A | B and C` would otherwise bind wrongly.
  const parts = splitUnion(expression).map((part) =>
    (options.fhirpathOnly ? undefined : compileSimplePath(part)) ?? compileWithFhirpath(part));
  evaluator = parts.length === 1 ? parts[0] : (resource) => parts.flatMap((part) => part(resource));
  cache.set(key, evaluator);
  return evaluator;
}
