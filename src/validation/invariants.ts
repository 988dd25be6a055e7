/**
 * The FHIRPath invariants of base R4 (ElementDefinition.constraint of the resource and data type
 * StructureDefinitions): each is checked at every node of the resource its element reaches, and
 * only there, so a constraint whose element is absent costs nothing. Contained resources and
 * Bundle entries are checked as resources of their own type (%resource is the contained resource,
 * %rootResource its container). How each constraint is evaluated: invariant-constraints.ts.
 */
import type { Resource } from 'fhir/r4.js';
import { issueOf, type ValidationIssue } from './issue.js';
import { datatypeModel, resourceModel, type ChildSpec, type Constraint, type EvalScope, type NodeModel } from './invariant-model.js';
import { isObject, type JsonObject } from './json-values.js';
import { isEmptyElement } from './invariant-native.js';

const ELE_1 = { key: 'ele-1', severity: 'error', human: 'All FHIR elements must have a @value or children' } as const;
const UNDERSCORE = 0x5f;

function invariantIssue(constraint: Pick<Constraint, 'key' | 'severity' | 'human'>, location: string): ValidationIssue {
  return issueOf(constraint.severity, 'invariant', `VAL_INVARIANT_${constraint.key}`, location,
    `${constraint.key}: ${constraint.human} (at ${location})`,
    `Нарушено правило ${constraint.key}: ${constraint.human} (место: ${location})`);
}

/**
 * Walks a resource along its model. The location of the current node is kept as a stack of
 * steps and only turned into text when an issue is reported: most nodes have none.
 */
class Walker {
  readonly issues: ValidationIssue[] = [];
  private readonly steps: string[] = [];
  private readonly indexes: number[] = [];

  constructor(private readonly disagreements?: string[]) {}

  start(resource: JsonObject): void {
    this.enter(String(resource.resourceType), -1);
    this.resource(resource);
    this.leave();
  }

  private resource(resource: JsonObject, container?: JsonObject): void {
    const model = typeof resource.resourceType === 'string' ? resourceModel(resource.resourceType) : undefined;
    if (!model) return;
    const rootResource = container ?? resource;
    const scope: EvalScope = { resource, rootResource, env: { resource, rootResource }, disagreements: this.disagreements };
    this.run(model.constraints, resource, scope);
    this.children(resource, model, scope);
  }

  private location(): string {
    let text = '';
    for (let i = 0; i < this.steps.length; i++) {
      text += i === 0 ? this.steps[i] : `.${this.steps[i]}`;
      if (this.indexes[i] >= 0) text += `[${this.indexes[i]}]`;
    }
    return text;
  }

  private enter(step: string, index: number): void {
    this.steps.push(step);
    this.indexes.push(index);
  }

  private leave(): void {
    this.steps.pop();
    this.indexes.pop();
  }

  private report(constraint: Pick<Constraint, 'key' | 'severity' | 'human'>, suffix = ''): void {
    this.issues.push(invariantIssue(constraint, this.location() + suffix));
  }

  private run(constraints: readonly Constraint[], node: unknown, scope: EvalScope): void {
    for (const constraint of constraints) {
      for (const suffix of constraint.check(node, scope)) this.report(constraint, suffix);
    }
  }

  private children(object: JsonObject, model: NodeModel, scope: EvalScope): void {
    for (const key in object) {
      const spec = model.children.get(key);
      if (spec) {
        if (spec.kind !== 'primitive' || spec.constraints.length > 0) this.visitAll(object[key], key, spec, scope);
      } else if (key.charCodeAt(0) === UNDERSCORE) this.visitAll(object[key], key.slice(1), undefined, scope);
    }
  }

  /** Each value of the property (with its index when it repeats); without spec, the `_name` half of a primitive. */
  private visitAll(value: unknown, step: string, spec: ChildSpec | undefined, scope: EvalScope): void {
    if (!Array.isArray(value)) {
      this.enter(step, -1);
      this.visit(value, spec, scope);
      this.leave();
      return;
    }
    for (let index = 0; index < value.length; index++) {
      this.enter(step, index);
      this.visit(value[index], spec, scope);
      this.leave();
    }
  }

  private visit(value: unknown, spec: ChildSpec | undefined, scope: EvalScope): void {
    if (!spec) this.primitiveElement(value, scope);
    else if (spec.kind === 'resource') {
      if (isObject(value)) this.resource(value, spec.key === 'contained' ? scope.rootResource : undefined);
    } else if (spec.kind === 'primitive') this.run(spec.constraints, value, scope);
    else this.element(value, spec, scope);
  }

  private element(value: unknown, spec: ChildSpec, scope: EvalScope): void {
    const model = spec.model();
    if (!isObject(value) || !model) return;
    if (isEmptyElement(value)) {
      this.report(ELE_1);
      return;
    }
    this.run(spec.checks(), value, scope);
    this.children(value, model, scope);
  }

  /** The `_name` half of a primitive: an Element with an id and extensions. */
  private primitiveElement(value: unknown, scope: EvalScope): void {
    const model = datatypeModel('Element');
    if (!isObject(value) || !model) return;
    if (isEmptyElement(value)) this.report(ELE_1);
    else this.children(value, model, scope);
  }
}

function walk(resource: Resource, disagreements?: string[]): ValidationIssue[] {
  const walker = new Walker(disagreements);
  walker.start(resource as unknown as JsonObject);
  return walker.issues;
}

/** The R4 invariants the resource breaks, each at its FHIRPath location. */
export function checkInvariants(resource: Resource): ValidationIssue[] {
  return walk(resource);
}

/**
 * For tests: checks the resource with every expression evaluated both on the fast path and by
 * fhirpath.js, and lists where they disagree (or where fhirpath.js fails).
 */
export function crossCheckInvariants(resource: Resource): { issues: ValidationIssue[]; disagreements: string[] } {
  const disagreements: string[] = [];
  return { issues: walk(resource, disagreements), disagreements };
}
