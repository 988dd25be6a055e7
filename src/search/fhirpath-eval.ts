/**
 * Evaluation of an expression part by the FHIRPath engine (fhirpath.js with the R4 model),
 * for the shapes the fast path (simple-path.ts) does not walk itself.
 */
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';

export interface TypedValue {
  value: unknown;
  /** FHIR or System type name without namespace: "Quantity", "date", "Boolean"... */
  type: string;
}

export type CompiledPart = (resource: object) => TypedValue[];

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

/** Compiles one union part with fhirpath.js; throws when it cannot parse it. */
export function compileWithFhirpath(part: string): CompiledPart {
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
