/**
 * A fast evaluator for the common shapes of SearchParameter expressions, walking the
 * JSON with the R4 model's type tables instead of running the FHIRPath engine:
 *   Type.a.b            (choice elements such as Observation.effective included)
 *   Type.a.b as T       (also (Type.a.b as T), Type.a.b.as(T), Type.a.b.ofType(T))
 *   Type.a.where(resolve() is T)   (the reference text names type T)
 * Anything else is left to fhirpath. test/search/expressions.test.ts checks that both
 * evaluators agree on every HL7 example.
 */
import r4model from 'fhirpath/fhir-context/r4/index.js';
import type { TypedValue } from './expressions.js';

interface Model {
  path2Type: Record<string, string>;
  choiceTypePaths: Record<string, string[]>;
  pathsDefinedElsewhere: Record<string, string>;
}

const model = r4model as unknown as Model;

const PRIMITIVES = new Set([
  'boolean', 'integer', 'decimal', 'string', 'uri', 'url', 'canonical', 'code', 'id', 'oid', 'uuid', 'markdown',
  'base64Binary', 'instant', 'date', 'dateTime', 'time', 'positiveInt', 'unsignedInt',
]);
const COMMON_ROOTS = new Set(['Resource', 'DomainResource']);

const SHAPE =
  /^([A-Z][A-Za-z]+)((?:\.[a-z][A-Za-z0-9]*)+)(?:\s+as\s+([A-Za-z]+)|\.as\(([A-Za-z]+)\)|\.ofType\(([A-Za-z]+)\)|\.where\(resolve\(\)\s+is\s+([A-Za-z]+)\))?$/;

interface Node {
  value: unknown;
  type: string;
  /** Where the element's children are described: a type name or a backbone element path. */
  base: string;
}

/** "DateTime" (a choice suffix) -> "dateTime"; complex type names stay. */
function typeName(qualified: string): string {
  const name = qualified.replace(/^(FHIR|System)\./, '');
  const lower = name[0].toLowerCase() + name.slice(1);
  return PRIMITIVES.has(lower) ? lower : name;
}

/** Specialisations, as FHIRPath's ofType() honours them (a canonical is a uri). */
const SUPERTYPE: Record<string, string> = {
  canonical: 'uri', url: 'uri', oid: 'uri', uuid: 'uri', code: 'string', id: 'string', markdown: 'string',
  positiveInt: 'integer', unsignedInt: 'integer',
  Age: 'Quantity', Count: 'Quantity', Distance: 'Quantity', Duration: 'Quantity', MoneyQuantity: 'Quantity', SimpleQuantity: 'Quantity',
};

function isA(type: string, wanted: string): boolean {
  const target = typeName(wanted);
  for (let t: string | undefined = typeName(type); t; t = SUPERTYPE[t]) if (t === target) return true;
  return false;
}

function emit(out: Node[], value: unknown, type: string, base: string): void {
  if (Array.isArray(value)) {
    for (const v of value) if (v !== null && v !== undefined) out.push({ value: v, type, base });
  } else if (value !== null && value !== undefined) {
    out.push({ value, type, base });
  }
}

/** How to read `step` below an element described at `base`: JSON keys with their types. */
interface Resolution {
  key: string;
  type: string;
  base: string;
}

const resolutions = new Map<string, Resolution[]>();

function resolve(base: string, step: string): Resolution[] {
  const path = `${base}.${step}`;
  let found = resolutions.get(path);
  if (found) return found;
  const choices = model.choiceTypePaths[path];
  const elsewhere = model.pathsDefinedElsewhere[path];
  const type = model.path2Type[path] ?? (elsewhere ? 'BackboneElement' : '');
  const backbone = type === 'BackboneElement' || type === 'Element';
  if (choices) found = choices.map((t) => ({ key: step + t, type: typeName(t), base: t }));
  else found = type ? [{ key: step, type: typeName(type), base: backbone ? elsewhere ?? path : type }] : [];
  resolutions.set(path, found);
  return found;
}

function children(node: Node, step: string, out: Node[]): void {
  if (typeof node.value !== 'object' || node.value === null) return;
  const obj = node.value as Record<string, unknown>;
  for (const { key, type, base } of resolve(node.base, step)) emit(out, obj[key], type, base);
}

function referenceFilter(type: string): (n: Node) => boolean {
  const pattern = new RegExp(`(^|/)${type}/`);
  return (n) => typeof (n.value as { reference?: unknown }).reference === 'string'
    && pattern.test((n.value as { reference: string }).reference);
}

/** A fast evaluator for `part`, or undefined when its shape is not one of the simple ones. */
export function compileSimplePath(part: string): ((resource: object) => TypedValue[]) | undefined {
  let text = part.trim();
  if (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1).trim();
  const m = SHAPE.exec(text);
  if (!m) return undefined;
  const [, root, dotted, as1, as2, as3, refType] = m;
  const steps = dotted.slice(1).split('.');
  const ofType = as1 ?? as2 ?? as3;
  const keep = refType ? referenceFilter(refType) : ofType ? (n: Node) => isA(n.type, ofType) : () => true;
  return (resource) => {
    const actual = (resource as { resourceType?: string }).resourceType;
    if (root !== actual && !COMMON_ROOTS.has(root)) return [];
    let nodes: Node[] = [{ value: resource, type: root, base: root }];
    for (const step of steps) {
      const next: Node[] = [];
      for (const node of nodes) children(node, step, next);
      nodes = next;
      if (nodes.length === 0) return [];
    }
    return nodes.filter(keep).map(({ value, type }) => ({ value, type }));
  };
}
