/**
 * Composite index entries (search.html#composite). The components are read inside each
 * element the composite's expression selects, so an Observation's component code pairs only
 * with the value of the same component. An entry holds component i's entry fields as
 * `c<i><field>` (see CompositeEntry in ../types.ts); an element gives one entry per
 * combination of its components' entries, and none when a component has no value there.
 */
import type { CodeableConcept, Coding } from 'fhir/r4.js';
import type { CompositeEntry, IndexEntry, SearchParameterDef, SearchParamType } from '../types.js';
import { compileExpression, type Evaluator, type TypedValue } from '../expressions.js';
import { splitUnion } from '../fhirpath-union.js';
import { CONVERTERS, type Converter } from './converters.js';
import { tokenEntries } from './token.js';

/** A component expression starting with this reads the whole resource, not the element. */
const RESOURCE_VARIABLE = '%resource.';

/**
 * The absolute expression of a component for the elements one composite expression part
 * (a plain path such as `Observation.component`) selects.
 */
export function componentExpression(part: string, relative: string): string {
  if (relative.startsWith(RESOURCE_VARIABLE)) return relative.split(RESOURCE_VARIABLE).join(`${part.split('.')[0]}.`);
  return splitUnion(relative).map((r) => `${part}.${r}`).join(' | ');
}

interface ComponentReader {
  type: SearchParamType;
  evaluate: Evaluator;
  convert: Converter;
  /** Reads the whole resource (`%resource.`), not the element. */
  whole: boolean;
}

interface PartReader {
  resourceType: string;
  /** The element path below the resource (`['component']`); empty: the resource itself. */
  steps: string[];
  elements: (resource: object) => TypedValue[];
  components: ComponentReader[];
}

/**
 * The element alone inside a resource skeleton, so that the component's absolute expression
 * (compiled once, on the fast path when simple) reads that element and no other.
 */
function skeleton(reader: PartReader, element: unknown): object {
  let node = element;
  for (let i = reader.steps.length - 1; i >= 0; i--) node = { [reader.steps[i]]: node };
  return { resourceType: reader.resourceType, ...(node as object) };
}

function withoutDisplay({ display: _display, ...coding }: Coding): Coding {
  return coding;
}

/**
 * Token entries without display texts: no composite condition reads them, and normalising
 * them (Cyrillic goes through NFD) would cost more than all the rest of a composite.
 */
function tokenCodeEntries(p: string, { value, type }: TypedValue): IndexEntry[] {
  if (type === 'CodeableConcept') return tokenEntries(p, { type, value: { coding: (value as CodeableConcept).coding?.map(withoutDisplay) } });
  if (type === 'Coding') return tokenEntries(p, { type, value: withoutDisplay(value as Coding) });
  return tokenEntries(p, { value, type });
}

function converter(type: SearchParamType): Converter {
  return type === 'token' ? tokenCodeEntries : CONVERTERS[type]!;
}

/** Token entries holding only display text (`t`) can never match a composite value. */
function searchable(type: SearchParamType, e: IndexEntry): boolean {
  return type !== 'token' || e.s !== undefined || e.c !== undefined;
}

/** Entry fields no composite condition reads (components take no :text or :exact modifier). */
const UNREAD_FIELDS = new Set(['p', 't', 'x']);

/** Component i's key for an entry field (`c1v`), made once. */
const componentKeys: Map<string, string>[] = [];

function componentKey(i: number, field: string): string {
  const keys = (componentKeys[i] ??= new Map());
  let key = keys.get(field);
  if (key === undefined) {
    key = `c${i}${field}`;
    keys.set(field, key);
  }
  return key;
}

function withComponent(partial: CompositeEntry, i: number, entry: IndexEntry): CompositeEntry {
  const out: CompositeEntry = { ...partial };
  for (const field in entry) {
    const value = entry[field as keyof IndexEntry];
    if (value !== undefined && !UNREAD_FIELDS.has(field)) out[componentKey(i, field) as `c${number}`] = value;
  }
  return out;
}

/** Each component's values in the element; undefined as soon as one has none. */
function componentValues(reader: PartReader, resource: object, element: unknown): TypedValue[][] | undefined {
  const target = reader.steps.length === 0 ? resource : skeleton(reader, element);
  const all: TypedValue[][] = [];
  for (const c of reader.components) {
    const values = c.evaluate(c.whole ? resource : target);
    if (values.length === 0) return undefined;
    all.push(values);
  }
  return all;
}

/** The element's entries (every combination of its components' entries), appended to `out`. */
function addElementEntries(p: string, reader: PartReader, resource: object, element: unknown, out: CompositeEntry[]): void {
  const values = componentValues(reader, resource, element);
  if (!values) return;
  let partials: CompositeEntry[] = [{ p }];
  for (let i = 0; i < values.length && partials.length > 0; i++) {
    const { type, convert } = reader.components[i];
    const next: CompositeEntry[] = [];
    for (const value of values[i]) {
      for (const entry of convert(p, value)) {
        if (searchable(type, entry)) for (const partial of partials) next.push(withComponent(partial, i, entry));
      }
    }
    partials = next;
  }
  for (const entry of partials) out.push(entry);
}

function entryKey(e: CompositeEntry): string {
  let key = '';
  for (const field in e) {
    const value = e[field as keyof CompositeEntry];
    key += `${field}=${value instanceof Date ? value.getTime() : String(value)}\u0000`;
  }
  return key;
}

/** The entries without repeats (two equal components of one Observation give one entry). */
function distinct(entries: CompositeEntry[]): CompositeEntry[] {
  if (entries.length < 2) return entries;
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = entryKey(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function partReader(def: SearchParameterDef, part: string): PartReader {
  const [resourceType, ...steps] = part.split('.');
  const components = (def.components ?? []).map((c): ComponentReader => ({
    type: c.type,
    evaluate: compileExpression(componentExpression(part, c.expression)),
    convert: converter(c.type),
    whole: c.expression.startsWith(RESOURCE_VARIABLE),
  }));
  // A bare type name selects the resource itself (no need to run the FHIRPath engine for that)
  const elements = steps.length === 0 ? (resource: object) => [{ value: resource, type: resourceType }] : compileExpression(part);
  return { resourceType, steps, elements, components };
}

/** A resource -> its distinct `idx.composite` entries for one composite parameter. */
export type CompositeExtractor = (resource: object) => CompositeEntry[];

export function compositeExtractor(def: SearchParameterDef): CompositeExtractor {
  const readers = splitUnion(def.expression).map((part) => partReader(def, part));
  return (resource) => {
    const out: CompositeEntry[] = [];
    for (const reader of readers) for (const { value } of reader.elements(resource)) addElementEntries(def.code, reader, resource, value, out);
    return distinct(out);
  };
}
