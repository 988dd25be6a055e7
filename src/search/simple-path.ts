/**
 * A fast evaluator for the common shapes of SearchParameter expressions, walking the
 * JSON with the R4 model's type tables instead of running the FHIRPath engine. A part is
 * a root type followed by any sequence of
 *   .a                               (choice elements such as Observation.effective included)
 *   .as(T), .ofType(T), `as T` at the end, or `(...) as T` in parentheses followed by more steps
 *   .where(resolve() is T)           (the reference text names type T)
 *   .where(f = 'x' or g = 'y' ...)   (f, g string-like primitive elements)
 * and `T.a.exists() and T.a != false` (Patient.deceased). The model lookups are done once,
 * at compile time: each path becomes a tree of JSON keys, with the choice elements
 * branching. Anything else is left to fhirpath. test/search/expressions.test.ts checks
 * that both evaluators agree on every HL7 example.
 */
import r4model from 'fhirpath/fhir-context/r4/index.js';
import { compileWithFhirpath, type CompiledPart, type TypedValue } from './fhirpath-eval.js';

interface Model {
  path2Type: Record<string, string>;
  choiceTypePaths: Record<string, string[]>;
  pathsDefinedElsewhere: Record<string, string>;
}

const model = r4model as unknown as Model;

/** An evaluator that can also say which top-level JSON keys it reads. */
export interface FastPath extends CompiledPart {
  /** The resource's own keys the path starts with; the result is empty when none is present. */
  readonly keys?: readonly string[];
}

const PRIMITIVES = new Set([
  'boolean', 'integer', 'decimal', 'string', 'uri', 'url', 'canonical', 'code', 'id', 'oid', 'uuid', 'markdown',
  'base64Binary', 'instant', 'date', 'dateTime', 'time', 'positiveInt', 'unsignedInt',
]);
/** Primitive types compared as plain strings by `=`. */
const STRING_LIKE = new Set(['string', 'uri', 'url', 'canonical', 'code', 'id', 'oid', 'uuid', 'markdown']);
const COMMON_ROOTS = new Set(['Resource', 'DomainResource']);

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

/** How to read `step` below an element described at `base`: JSON keys with their types. */
interface Resolution {
  key: string;
  type: string;
  /** Where the element's children are described: a type name or a backbone element path. */
  base: string;
}

function resolve(base: string, step: string): Resolution[] {
  const path = `${base}.${step}`;
  const choices = model.choiceTypePaths[path];
  const elsewhere = model.pathsDefinedElsewhere[path];
  const type = model.path2Type[path] ?? (elsewhere ? 'BackboneElement' : '');
  const backbone = type === 'BackboneElement' || type === 'Element';
  if (choices) return choices.map((t) => ({ key: step + t, type: typeName(t), base: t }));
  return type ? [{ key: step, type: typeName(type), base: backbone ? elsewhere ?? path : type }] : [];
}

// ---- parsing -------------------------------------------------------------------------

type Op =
  | { kind: 'step'; name: string }
  | { kind: 'ofType'; type: string }
  | { kind: 'ref'; type: string }
  | { kind: 'eq'; conds: { field: string; value: string }[] };

const ROOT = /^([A-Z][A-Za-z]+)/;
const STEP = /\.([a-z][A-Za-z0-9]*)(?![A-Za-z0-9(])/y;
const AS_FN = /\.(?:as|ofType)\(\s*([A-Za-z]+)\s*\)/y;
const REF = /\.where\(\s*resolve\(\)\s+is\s+([A-Za-z]+)\s*\)/y;
const EQ_OPEN = /\.where\(\s*/y;
const EQ_COND = /([a-z][A-Za-z0-9]*)\s*=\s*'([^'\\]*)'/y;
const EQ_OR = /\s+or\s+/y;
const EQ_CLOSE = /\s*\)/y;
const AS_INFIX = /\s+as\s+([A-Za-z]+)$/y;
const PARENS = /^\((.*)\)((?:\.[a-z][A-Za-z0-9]*)*)$/s;
const EXISTS_NOT_FALSE = /^([A-Z][A-Za-z]+)\.([a-z][A-Za-z0-9]*)\.exists\(\)\s+and\s+\1\.\2\s*!=\s*false$/;

function sticky(re: RegExp, text: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(text);
}

function parseWhereEq(text: string, pos: number): { op: Op; end: number } | undefined {
  let m = sticky(EQ_OPEN, text, pos);
  if (!m) return undefined;
  const conds: { field: string; value: string }[] = [];
  let at = pos + m[0].length;
  for (;;) {
    m = sticky(EQ_COND, text, at);
    if (!m) return undefined;
    conds.push({ field: m[1], value: m[2] });
    at += m[0].length;
    m = sticky(EQ_OR, text, at);
    if (!m) break;
    at += m[0].length;
  }
  m = sticky(EQ_CLOSE, text, at);
  return m ? { op: { kind: 'eq', conds }, end: at + m[0].length } : undefined;
}

/** Root and operations of a path, or undefined when it is not one of the simple shapes. */
function parse(text: string): { root: string; ops: Op[] } | undefined {
  const paren = PARENS.exec(text);
  if (paren) {
    const inner = parse(paren[1].trim());
    if (!inner) return undefined;
    const rest = paren[2] ? paren[2].slice(1).split('.').map((name): Op => ({ kind: 'step', name })) : [];
    return { root: inner.root, ops: [...inner.ops, ...rest] };
  }
  const root = ROOT.exec(text);
  if (!root) return undefined;
  const ops: Op[] = [];
  let pos = root[0].length;
  while (pos < text.length) {
    let m: RegExpExecArray | null;
    if ((m = sticky(STEP, text, pos))) ops.push({ kind: 'step', name: m[1] });
    else if ((m = sticky(AS_FN, text, pos)) || (m = sticky(AS_INFIX, text, pos))) ops.push({ kind: 'ofType', type: m[1] });
    else if ((m = sticky(REF, text, pos))) ops.push({ kind: 'ref', type: m[1] });
    else {
      const eq = parseWhereEq(text, pos);
      if (!eq) return undefined;
      ops.push(eq.op);
      pos = eq.end;
      continue;
    }
    pos += m[0].length;
  }
  return ops.length > 0 && ops[0].kind === 'step' ? { root: root[1], ops } : undefined;
}

// ---- compiling -----------------------------------------------------------------------

type Filter = (value: unknown) => boolean;

/** One JSON key read below an element; `next` undefined: its values are results. */
interface Step {
  key: string;
  type: string;
  filter: Filter | undefined;
  next: Step[] | undefined;
}

class Unsupported extends Error {}

function referenceFilter(type: string): Filter {
  const pattern = new RegExp(`(^|/)${type}/`);
  return (v) => typeof (v as { reference?: unknown }).reference === 'string'
    && pattern.test((v as { reference: string }).reference);
}

/** FHIRPath `f = 'x'` on a JSON element: a single string (or a one-item array of it) equal to x. */
function equalsText(v: unknown, text: string): boolean {
  return v === text || (Array.isArray(v) && v.length === 1 && v[0] === text);
}

function eqFilter(base: string, conds: { field: string; value: string }[]): Filter {
  for (const { field } of conds) {
    const r = resolve(base, field);
    if (r.length !== 1 || r[0].key !== field || !STRING_LIKE.has(r[0].type)) throw new Unsupported(field);
  }
  if (conds.length === 1) {
    const [{ field, value }] = conds;
    return (v) => typeof v === 'object' && v !== null && equalsText((v as Record<string, unknown>)[field], value);
  }
  return (v) => typeof v === 'object' && v !== null
    && conds.some(({ field, value }) => equalsText((v as Record<string, unknown>)[field], value));
}

function both(a: Filter | undefined, b: Filter): Filter {
  return a ? (v) => a(v) && b(v) : b;
}

/** The steps reading ops[i] (a step) below `base`, with the filters that follow it. */
function compileSteps(base: string, ops: Op[], i: number): Step[] {
  const op = ops[i];
  if (op.kind !== 'step') throw new Unsupported(op.kind);
  const steps: Step[] = [];
  for (const r of resolve(base, op.name)) {
    let j = i + 1;
    let filter: Filter | undefined;
    let pruned = false;
    for (; j < ops.length && ops[j].kind !== 'step'; j++) {
      const f = ops[j];
      if (f.kind === 'ofType') pruned ||= !isA(r.type, f.type);
      else if (f.kind === 'ref') filter = both(filter, referenceFilter(f.type));
      else if (f.kind === 'eq') filter = both(filter, eqFilter(r.base, f.conds));
    }
    if (pruned) continue;
    const next = j < ops.length ? compileSteps(r.base, ops, j) : undefined;
    if (next && next.length === 0) continue;
    steps.push({ key: r.key, type: r.type, filter, next });
  }
  return steps;
}

function visit(value: unknown, step: Step, out: TypedValue[]): void {
  if (value === null || value === undefined) return;
  if (step.filter !== undefined && !step.filter(value)) return;
  if (step.next === undefined) out.push({ value, type: step.type });
  else if (typeof value === 'object') walk(value as Record<string, unknown>, step.next, out);
}

function walk(obj: Record<string, unknown>, steps: Step[], out: TypedValue[]): void {
  for (let s = 0; s < steps.length; s++) {
    const step = steps[s];
    const value = obj[step.key];
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (let k = 0; k < value.length; k++) visit(value[k], step, out);
    else visit(value, step, out);
  }
}

/**
 * `T.a.exists() and T.a != false`: false when a is absent, else whether it is anything but
 * false. Only the plain JSON cases are answered here; the rest goes to fhirpath.
 */
function compileExistsNotFalse(part: string, root: string, name: string): FastPath {
  const keys = resolve(root, name).map((r) => r.key);
  let slow: CompiledPart | undefined;
  const fallback = (resource: object) => (slow ??= compileWithFhirpath(part))(resource);
  return (resource) => {
    if ((resource as { resourceType?: string }).resourceType !== root) return fallback(resource);
    const obj = resource as Record<string, unknown>;
    let found = 0;
    let value: unknown;
    for (const key of keys) {
      if (obj[`_${key}`] !== undefined) return fallback(resource);
      const v = obj[key];
      if (v === undefined) continue;
      if (typeof v !== 'boolean' && typeof v !== 'string') return fallback(resource);
      found++;
      value = v;
    }
    if (found > 1) return fallback(resource);
    return [{ value: found === 1 && value !== false, type: 'Boolean' }];
  };
}

/** A fast evaluator for `part`, or undefined when its shape is not one of the simple ones. */
export function compileSimplePath(part: string): FastPath | undefined {
  const text = part.trim();
  const exists = EXISTS_NOT_FALSE.exec(text);
  if (exists) return compileExistsNotFalse(text, exists[1], exists[2]);
  const parsed = parse(text);
  if (!parsed) return undefined;
  const { root, ops } = parsed;
  let steps: Step[];
  try {
    steps = compileSteps(root, ops, 0);
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
  const keys = [...new Set(steps.map((s) => s.key))];
  const evaluate = (resource: object): TypedValue[] => {
    const actual = (resource as { resourceType?: string }).resourceType;
    if (root !== actual && !COMMON_ROOTS.has(root)) return [];
    const out: TypedValue[] = [];
    walk(resource as Record<string, unknown>, steps, out);
    return out;
  };
  return Object.assign(evaluate, { keys });
}
