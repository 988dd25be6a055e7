/**
 * The shape the invariant walker follows through a resource: for each kind of node (a resource
 * type, a backbone element such as `Observation.referenceRange`, a data type such as `Period`),
 * its children by JSON property name and the constraints that hold at it. Built from the R4
 * StructureDefinitions once per type, on first use.
 */
import type { IssueSeverity } from './issue.js';
import { structureAt, structureNamed, type ConstraintDefinition, type ElementDigest, type StructureDigest, type TypeRef } from './invariant-definitions.js';
import { compileConstraints } from './invariant-constraints.js';
import { internalized, type JsonObject } from './json-values.js';

/** What a constraint sees besides its node: FHIRPath's %resource and %rootResource. */
export interface EvalScope {
  resource: JsonObject;
  /** The container of a contained resource; the resource itself otherwise. */
  rootResource: JsonObject;
  /** The variables handed to fhirpath. */
  env: { resource: JsonObject; rootResource: JsonObject };
  /** Filled by the cross-check mode: every place where the fast path and fhirpath disagree. */
  disagreements?: string[];
}

export interface Constraint {
  key: string;
  severity: IssueSeverity;
  human: string;
  /** Where it fails, as location suffixes relative to the node (`''` for the node itself); empty when it holds. */
  check(node: unknown, scope: EvalScope): readonly string[];
}

export interface ChildSpec {
  /** JSON property name: `valueQuantity`. */
  key: string;
  /** FHIRPath member name: `value`. */
  name: string;
  /** `_valueString`: where the id and extensions of a primitive are. */
  shadowKey: string;
  kind: 'primitive' | 'complex' | 'resource';
  /** FHIR type code: `Quantity`, `BackboneElement`, `string`. */
  type: string;
  /** The constraints of this element of its structure (obs-3 on Observation.referenceRange). */
  constraints: readonly Constraint[];
  /** The model of a complex value. */
  model(): NodeModel | undefined;
  /** What holds at a value of this element: its own constraints, then its type's (ext-1 is both: once). */
  checks(): readonly Constraint[];
}

export interface NodeModel {
  id: string;
  children: ReadonlyMap<string, ChildSpec>;
  /** By FHIRPath name: `value` gives every value[x] property, `valueQuantity` that one. */
  members: ReadonlyMap<string, readonly ChildSpec[]>;
  /** The constraints of the type itself (per-1 on every Period, dom-* on a resource). */
  constraints: readonly Constraint[];
}

interface MutableModel extends NodeModel {
  children: Map<string, ChildSpec>;
  members: Map<string, ChildSpec[]>;
  constraints: Constraint[];
}

const SYSTEM_TYPE = 'http://hl7.org/fhirpath/System.';
const INLINE_TYPES = new Set(['BackboneElement', 'Element']);

const models = new Map<string, NodeModel | undefined>();
const resourceModels = new Map<string, NodeModel | undefined>();

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function isPrimitiveType(code: string): boolean {
  return code.startsWith(SYSTEM_TYPE) || /^[a-z]/.test(code);
}

function isResourceType(code: string): boolean {
  return code === 'Resource' || structureNamed(code)?.kind === 'resource';
}

function emptyModel(id: string): MutableModel {
  return { id, children: new Map(), members: new Map(), constraints: [] };
}

function addMember(model: MutableModel, name: string, spec: ChildSpec): void {
  const list = model.members.get(name);
  if (list) list.push(spec);
  else model.members.set(name, [spec]);
}

function childSpec(fields: Omit<ChildSpec, 'shadowKey' | 'checks'>): ChildSpec {
  let checks: readonly Constraint[] | undefined;
  return {
    ...fields,
    shadowKey: internalized(`_${fields.key}`),
    checks: () => {
      if (!checks) {
        const own = new Set(fields.constraints.map((c) => c.key));
        checks = [...fields.constraints, ...(fields.model()?.constraints ?? []).filter((c) => !own.has(c.key))];
      }
      return checks;
    },
  };
}

/** Builds the models of one structure: its root and every backbone element, keyed by path. */
class StructureBuilder {
  private readonly inline = new Map<string, MutableModel>();
  private readonly elementsByPath = new Map<string, ElementDigest>();

  constructor(private readonly structure: StructureDigest, private readonly rootId: string) {
    for (const element of structure.elements) this.elementsByPath.set(element.path, element);
  }

  build(): MutableModel {
    const [root, ...rest] = this.structure.elements;
    const rootModel = emptyModel(this.rootId);
    this.inline.set(root.path, rootModel);
    for (const element of rest) {
      if (!this.inline.has(element.path) && this.isInline(element)) this.inline.set(element.path, emptyModel(element.path));
    }
    for (const element of rest) this.addChild(element);
    return rootModel;
  }

  private isInline(element: ElementDigest): boolean {
    return element.types.length === 1 && INLINE_TYPES.has(element.types[0].code);
  }

  private addChild(element: ElementDigest): void {
    const cut = element.path.lastIndexOf('.');
    const parent = this.inline.get(element.path.slice(0, cut));
    if (!parent) return;
    const name = element.path.slice(cut + 1);
    if (name.endsWith('[x]')) {
      const base = name.slice(0, -3);
      for (const type of element.types) {
        const key = base + upperFirst(type.code);
        this.addSpec(parent, base, key, type, element, `${element.path.slice(0, cut)}.${key}`);
      }
      return;
    }
    this.addSpec(parent, name, name, element.types[0], element, element.path);
  }

  private addSpec(parent: MutableModel, pathName: string, pathKey: string, type: TypeRef | undefined, element: ElementDigest, base: string): void {
    const name = internalized(pathName);
    const key = internalized(pathKey);
    const target = element.contentReference ? this.elementsByPath.get(element.contentReference.slice(1)) : undefined;
    const spec = target
      ? this.referencedSpec(name, key, target)
      : this.typedSpec(name, key, type, element, base);
    if (!spec) return;
    parent.children.set(key, spec);
    addMember(parent, name, spec);
    if (key !== name) addMember(parent, key, spec);
  }

  /** `Observation.component.referenceRange` is `#Observation.referenceRange`: its model and its constraints. */
  private referencedSpec(name: string, key: string, target: ElementDigest): ChildSpec | undefined {
    const model = this.inline.get(target.path);
    if (!model) return undefined;
    return childSpec({ key, name, kind: 'complex', type: 'BackboneElement', constraints: compileConstraints(target.constraints, target.path, () => model), model: () => model });
  }

  private typedSpec(name: string, key: string, type: TypeRef | undefined, element: ElementDigest, base: string): ChildSpec | undefined {
    if (!type) return undefined;
    const code = type.code;
    if (isPrimitiveType(code)) {
      return childSpec({ key, name, kind: 'primitive', type: code, constraints: compileConstraints(element.constraints, base, () => undefined), model: () => undefined });
    }
    if (isResourceType(code)) return childSpec({ key, name, kind: 'resource', type: code, constraints: [], model: () => undefined });
    const inline = INLINE_TYPES.has(code) ? this.inline.get(element.path) : undefined;
    const model = inline ? () => inline : once(() => datatypeModel(code, type.profiles));
    return childSpec({ key, name, kind: 'complex', type: code, constraints: compileConstraints(element.constraints, base, model), model });
  }
}

function attachElementConstraints(structure: StructureDigest, root: MutableModel): void {
  root.constraints.push(...compileConstraints(structure.elements[0].constraints, structure.elements[0].path, () => root));
}

function buildStructure(structure: StructureDigest, id: string): MutableModel {
  const root = new StructureBuilder(structure, id).build();
  attachElementConstraints(structure, root);
  return root;
}

/** Constraints a profile of a data type adds to it (sqty-1 of SimpleQuantity), as type-level ones. */
function profileConstraints(base: StructureDigest, profileUrls: readonly string[], model: NodeModel): Constraint[] {
  const known = new Set(base.elements[0].constraints.map((c) => c.key));
  const added: ConstraintDefinition[] = [];
  for (const url of profileUrls) {
    for (const constraint of structureAt(url)?.elements[0].constraints ?? []) {
      if (!known.has(constraint.key)) {
        known.add(constraint.key);
        added.push(constraint);
      }
    }
  }
  return compileConstraints(added, base.type, () => model);
}

/** The datatype's model, looked up on the first call only (types refer to each other, so not at build time). */
function once(get: () => NodeModel | undefined): () => NodeModel | undefined {
  let resolved = false;
  let model: NodeModel | undefined;
  return () => {
    if (!resolved) {
      model = get();
      resolved = true;
    }
    return model;
  };
}

function cached(id: string, build: () => NodeModel | undefined): NodeModel | undefined {
  if (!models.has(id)) models.set(id, build());
  return models.get(id);
}

/** The model of a data type, with the constraints of the profiles an element declares on it. */
export function datatypeModel(type: string, profiles: readonly string[] = []): NodeModel | undefined {
  const id = profiles.length === 0 ? type : [type, ...profiles].join('|');
  return cached(id, () => {
    const structure = structureNamed(type);
    if (!structure || structure.kind === 'resource') return undefined;
    const model = buildStructure(structure, id);
    model.constraints.push(...profileConstraints(structure, profiles, model));
    return model;
  });
}

/** The model of a resource type; undefined for a name that is not an R4 resource. */
export function resourceModel(type: string): NodeModel | undefined {
  if (!resourceModels.has(type)) {
    const structure = structureNamed(type);
    resourceModels.set(type, structure?.kind === 'resource' && structure.type === type ? buildStructure(structure, type) : undefined);
  }
  return resourceModels.get(type);
}
