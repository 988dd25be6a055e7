/**
 * A partial FHIRPath evaluator in plain code for the shapes most R4 invariants take: member
 * paths, exists() / empty() / hasValue() / not(), and / or / xor / implies, `=` and `!=` against a
 * string literal, where() (and the other filtering functions on an empty input). fhirpath.js
 * needs 20-50 µs for even `code.empty() or system.exists()`; this needs well under one. What it
 * does not know it answers UNKNOWN, and the caller then asks fhirpath.js. Three-valued logic
 * short-circuits (`true or X` is true whatever X is), so `start.hasValue().not() or ...` is
 * answered here whenever a Period lacks one end.
 */
import fhirpath from 'fhirpath';
import type { ChildSpec, NodeModel } from './invariant-model.js';
import { internalized, isObject, isPresent, type JsonObject } from './json-values.js';

export const UNKNOWN = Symbol('unknown');

/** One node of a collection: a JSON value (null for a primitive that only has extensions) and its element. */
interface Item {
  value: unknown;
  spec?: ChildSpec;
  /** The model of a complex value; of the focus node, the one the constraint was compiled for. */
  model?: NodeModel;
}

type Result = readonly Item[] | typeof UNKNOWN;
type Evaluator = (focus: readonly Item[]) => Result;
/** The constraint's verdict: true, false, null for an empty result, or UNKNOWN. */
export type FastVerdict = boolean | null | typeof UNKNOWN;
export type FastCheck = (node: unknown, model: NodeModel | undefined) => FastVerdict;

interface AstNode {
  type: string;
  text?: string;
  children?: AstNode[];
}

const STRING_TYPES = new Set(['string', 'code', 'id', 'uri', 'url', 'canonical', 'markdown', 'oid', 'uuid']);
/** Functions whose result on an empty input is empty. */
const EMPTY_ON_EMPTY = new Set(['where', 'select', 'ofType', 'as', 'first', 'last', 'tail', 'distinct', 'repeat', 'descendants', 'children', 'trace']);
const TRUE: readonly Item[] = [{ value: true }];
const FALSE: readonly Item[] = [{ value: false }];
const EMPTY: readonly Item[] = [];
const unknown: Evaluator = () => UNKNOWN;

function bool(value: boolean): readonly Item[] {
  return value ? TRUE : FALSE;
}

/** A collection as an operand of a boolean operator: true, false, null (empty), or UNKNOWN. */
function truth(result: Result): boolean | null | typeof UNKNOWN {
  if (result === UNKNOWN) return UNKNOWN;
  if (result.length === 0) return null;
  return result.length === 1 && typeof result[0].value === 'boolean' ? result[0].value : UNKNOWN;
}

function fromTruth(value: boolean | null | typeof UNKNOWN): Result {
  if (value === UNKNOWN) return UNKNOWN;
  return value === null ? EMPTY : bool(value);
}

function itemOf(value: unknown, spec: ChildSpec): Item {
  return { value, spec, model: spec.kind === 'complex' ? spec.model() : undefined };
}

/** The items one member of a complex value holds, with the `_name` extensions of primitives. */
function memberItems(object: JsonObject, spec: ChildSpec, out: Item[]): void {
  const raw = object[spec.key];
  const extra = spec.kind === 'primitive' ? object[spec.shadowKey] : undefined;
  if (extra === undefined || extra === null) {
    if (!Array.isArray(raw)) {
      if (raw !== undefined && raw !== null) out.push(itemOf(raw, spec));
      return;
    }
    for (const value of raw) if (value !== null) out.push(itemOf(value, spec));
    return;
  }
  // A primitive with extensions: value i and extension i are one node, which exists if either does.
  const values: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const extras: unknown[] = Array.isArray(extra) ? extra : [extra];
  const count = Math.max(values.length, extras.length);
  for (let i = 0; i < count; i++) {
    const value = values[i] ?? null;
    if (value !== null || (extras[i] !== undefined && extras[i] !== null)) out.push(itemOf(value, spec));
  }
}

/** Whether some item of the focus has the member: `navigate(focus, name).length > 0` without the items. */
function hasMember(focus: readonly Item[], name: string): boolean | typeof UNKNOWN {
  for (const item of focus) {
    if (!isObject(item.value)) {
      if (name === 'extension' || name === 'id') return UNKNOWN;
      continue;
    }
    if (!item.model) return UNKNOWN;
    for (const spec of item.model.members.get(name) ?? []) {
      if (isPresent(item.value[spec.key]) || (spec.kind === 'primitive' && isPresent(item.value[spec.shadowKey]))) return true;
    }
  }
  return false;
}

function navigate(focus: readonly Item[], name: string): Result {
  const out: Item[] = [];
  for (const item of focus) {
    if (!isObject(item.value)) {
      if (name === 'extension' || name === 'id') return UNKNOWN;
      continue;
    }
    if (!item.model) return UNKNOWN;
    for (const spec of item.model.members.get(name) ?? []) memberItems(item.value, spec, out);
  }
  return out;
}

/** A single primitive with a value (complex values are JSON objects; a primitive with only extensions is null). */
function hasValue(focus: readonly Item[]): boolean {
  return focus.length === 1 && focus[0].value !== null && typeof focus[0].value !== 'object';
}

class Compiler {
  compile(node: AstNode): Evaluator {
    const children = node.children ?? [];
    switch (node.type) {
      case 'EntireExpression':
      case 'TermExpression':
      case 'ParenthesizedTerm':
        return children.length === 1 ? this.compile(children[0]) : unknown;
      case 'InvocationTerm':
        return this.invocation(children[0], (focus) => focus);
      case 'InvocationExpression':
        return this.presence(children) ?? this.invocation(children[1], this.compile(children[0]));
      case 'LiteralTerm':
        return this.literal(children[0]);
      case 'OrExpression':
        return this.logical(node.text === 'xor' ? xor : or, children);
      case 'AndExpression':
        return this.logical(and, children);
      case 'ImpliesExpression':
        return this.logical(implies, children);
      case 'EqualityExpression':
        return node.text === '=' || node.text === '!=' ? this.equality(node.text === '!=', children) : unknown;
      default:
        return unknown;
    }
  }

  /** `low.exists()`, `code.empty()`: answered from the JSON keys, without building the collection. */
  private presence(children: AstNode[]): Evaluator | undefined {
    const [input, call] = children;
    const member = input.type === 'TermExpression' ? input.children?.[0]?.children?.[0] : undefined;
    const functn = call.type === 'FunctionInvocation' ? call.children?.[0] : undefined;
    const name = functn?.children?.[0]?.text;
    if (member?.type !== 'MemberInvocation' || !member.text || !/^[a-z]\w*$/.test(member.text)) return undefined;
    if ((name !== 'exists' && name !== 'empty') || functn?.children?.[1]) return undefined;
    const memberName = internalized(member.text);
    const exists = name === 'exists';
    return (focus) => {
      const found = hasMember(focus, memberName);
      return found === UNKNOWN ? UNKNOWN : bool(found === exists);
    };
  }

  private logical(op: LogicalOperator, children: AstNode[]): Evaluator {
    const [left, right] = children.map((c) => this.compile(c));
    return (focus) => fromTruth(op(truth(left(focus)), right, focus));
  }

  private literal(node: AstNode | undefined): Evaluator {
    const text = node?.text ?? '';
    if (node?.type === 'BooleanLiteral') return () => bool(text === 'true');
    if (node?.type === 'StringLiteral' && !text.includes('\\')) {
      const literal: readonly Item[] = [{ value: text.slice(1, -1) }];
      return () => literal;
    }
    return unknown;
  }

  /** `=` / `!=` of a string-typed element and a string literal; anything else is left to fhirpath. */
  private equality(negate: boolean, children: AstNode[]): Evaluator {
    const [left, right] = children.map((c) => this.compile(c));
    return (focus) => {
      const a = left(focus);
      const b = right(focus);
      if (a === UNKNOWN || b === UNKNOWN) return UNKNOWN;
      if (a.length === 0 || b.length === 0) return EMPTY;
      if (a.length !== 1 || b.length !== 1 || !comparableText(a[0]) || !comparableText(b[0])) return UNKNOWN;
      return bool((a[0].value === b[0].value) !== negate);
    };
  }

  private invocation(node: AstNode | undefined, input: Evaluator): Evaluator {
    if (node?.type === 'ThisInvocation') return input;
    if (node?.type === 'MemberInvocation' && node.text && /^[a-z]\w*$/.test(node.text)) {
      const name = internalized(node.text);
      return (focus) => {
        const items = input(focus);
        return items === UNKNOWN ? UNKNOWN : navigate(items, name);
      };
    }
    if (node?.type === 'FunctionInvocation') return this.functionCall(node.children?.[0], input);
    return unknown;
  }

  private functionCall(functn: AstNode | undefined, input: Evaluator): Evaluator {
    const name = functn?.children?.[0]?.text ?? '';
    const params = functn?.children?.[1]?.children ?? [];
    const apply = this.function(name, params);
    return (focus) => {
      const items = input(focus);
      return items === UNKNOWN ? UNKNOWN : apply(items);
    };
  }

  private function(name: string, params: AstNode[]): (items: readonly Item[]) => Result {
    if (params.length === 0) {
      switch (name) {
        case 'exists': return (items) => bool(items.length > 0);
        case 'empty': return (items) => bool(items.length === 0);
        case 'hasValue': return (items) => bool(hasValue(items));
        case 'not': return (items) => fromTruth(not(truth(items)));
        default: break;
      }
    }
    if (name === 'where' && params.length === 1) return this.where(this.compile(params[0]));
    if (name === 'exists' || name === 'all') {
      const onEmpty = bool(name === 'all');
      return (items) => (items.length === 0 ? onEmpty : UNKNOWN);
    }
    if (EMPTY_ON_EMPTY.has(name)) return (items) => (items.length === 0 ? EMPTY : UNKNOWN);
    return () => UNKNOWN;
  }

  private where(criteria: Evaluator): (items: readonly Item[]) => Result {
    return (items) => {
      const out: Item[] = [];
      for (const item of items) {
        const keep = truth(criteria([item]));
        if (keep === UNKNOWN) return UNKNOWN;
        if (keep === true) out.push(item);
      }
      return out;
    };
  }
}

function comparableText(item: Item): boolean {
  return typeof item.value === 'string' && (item.spec === undefined || STRING_TYPES.has(item.spec.type));
}

/** A boolean operator on its left operand's verdict; the right operand is evaluated only when needed. */
type LogicalOperator = (a: FastVerdict, right: Evaluator, focus: readonly Item[]) => FastVerdict;

/** `or` (dominant true) and `and` (dominant false): the dominant value wins whatever the other operand is. */
function kleene(dominant: boolean, a: FastVerdict, b: Evaluator, focus: readonly Item[]): FastVerdict {
  if (a === dominant) return dominant;
  const right = truth(b(focus));
  if (right === dominant) return dominant;
  if (a === UNKNOWN || right === UNKNOWN) return UNKNOWN;
  return a === !dominant && right === !dominant ? !dominant : null;
}

const or: LogicalOperator = (a, b, focus) => kleene(true, a, b, focus);
const and: LogicalOperator = (a, b, focus) => kleene(false, a, b, focus);

function xor(a: FastVerdict, b: Evaluator, focus: readonly Item[]): FastVerdict {
  const right = truth(b(focus));
  if (a === UNKNOWN || right === UNKNOWN) return UNKNOWN;
  return a === null || right === null ? null : a !== right;
}

function implies(a: FastVerdict, b: Evaluator, focus: readonly Item[]): FastVerdict {
  if (a === false) return true;
  const right = truth(b(focus));
  if (right === true) return true;
  if (a === UNKNOWN || right === UNKNOWN) return UNKNOWN;
  return a === true ? right : null;
}

function not(a: FastVerdict): FastVerdict {
  return typeof a === 'boolean' ? !a : a;
}

/** Compiles an invariant for the fast path. Parses with fhirpath.js, so precedence is its own. */
export function compileFast(expression: string): FastCheck {
  const evaluate = new Compiler().compile(fhirpath.parse(expression) as AstNode);
  return (node, model) => truth(evaluate([{ value: node, model }]));
}
