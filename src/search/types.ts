import type { Filter } from '../store/types.js';

/**
 * Types shared by the search layer: parameter definitions, index entries stored
 * with each resource, and the parsed search request.
 */

export type SearchParamType =
  | 'number' | 'date' | 'string' | 'token' | 'reference' | 'composite' | 'quantity' | 'uri' | 'special';

/** A search parameter as it applies to one resource type. */
export interface SearchParameterDef {
  code: string;
  type: SearchParamType;
  /** The FHIRPath expression restricted to the parts for this resource type. */
  expression: string;
  url?: string;
  description?: string;
  /** Resource types a reference parameter may point to. */
  target?: string[];
  /**
   * A reference parameter whose expression selects a resource held inside this one
   * (Bundle.composition, Bundle.message), not a Reference: see held-resources.ts.
   */
  holds?: true;
  /**
   * A composite's components in `$` order: each the referenced parameter's definition with
   * `expression` relative to an element the composite's own expression selects.
   */
  components?: SearchParameterDef[];
  /**
   * `_text` / `_content` (word-parameters.ts): which text the parameter splits into words; such a
   * parameter has no expression, takes no modifier and cannot be sorted by.
   */
  words?: 'narrative' | 'content';
}

/**
 * A document's index entries, one array per parameter type (`idx.token`, `idx.date` ...), so each
 * entry goes only into the indexes of its own type and an index holds one key per entry.
 */
export type IndexEntries = Partial<Record<SearchParamType, IndexEntry[]>>;

/**
 * One entry of a document's `idx.<type>` array. `p` is always the parameter code; the
 * other fields depend on the parameter type:
 * - token: s (system), c (code / value), t (normalised display or text)
 * - string: n (normalised, for starts-with and :contains), x (exact original)
 * - reference: r ("Type/id" or the raw reference), i ("system|value" of Reference.identifier)
 * - date: lo, hi (Date; the instants the value covers, inclusive)
 * - number, quantity: v (the value), lo, hi (implicit precision range); quantity adds s, c, u (unit)
 * - uri: u
 * - composite: one entry per element the composite expression selects and per combination of
 *   its components' entries; component i's entry fields are stored as `c<i><field>` (a token
 *   code-value-quantity entry: c0s, c0c, c1v, c1lo, c1hi, c1s, c1c, c1u). See CompositeEntry.
 */
export interface IndexEntry {
  p: string;
  s?: string;
  c?: string;
  t?: string;
  n?: string;
  x?: string;
  r?: string;
  i?: string;
  u?: string;
  v?: number;
  lo?: Date | number;
  hi?: Date | number;
}

/** An `idx.composite` entry: `p` plus each component's entry fields under `c<i><field>` keys. */
export interface CompositeEntry extends IndexEntry {
  [componentField: `c${number}${string}`]: string | number | Date | undefined;
}

/** Per-parameter sort keys stored as `sk` in the document (one scalar per parameter). */
export type SortKeys = Record<string, string | number | Date>;

export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

export type Modifier =
  | 'exact' | 'contains' | 'missing' | 'not' | 'text' | 'identifier' | 'above' | 'below' | 'type' | 'in' | 'not-in';

/** Codes of one code system, as a ValueSet expansion or a code hierarchy gives them. */
export interface SystemCodes {
  system: string;
  codes: string[];
}

export type SearchValue =
  /** `system` undefined = any system; null = explicitly no system (`|code`); code undefined = `system|`. */
  | { kind: 'token'; system?: string | null; code?: string }
  /** `text` is the raw value, `norm` its normalised form. */
  | { kind: 'string'; text: string; norm: string }
  /** `_text` / `_content`: each word must begin some word of the resource's text. */
  | { kind: 'words'; words: string[] }
  /** The search value covers lo..hi (inclusive, ms precision). */
  | { kind: 'date'; prefix: Prefix; lo: Date; hi: Date }
  | { kind: 'number'; prefix: Prefix; value: number; lo: number; hi: number }
  | { kind: 'quantity'; prefix: Prefix; value: number; lo: number; hi: number; system?: string; code?: string }
  /** Any of `refs` (normalised "Type/id" or raw); `id` alone when the target type is unknown. */
  | { kind: 'reference'; refs: string[]; id?: string }
  | { kind: 'identifier'; system?: string; value: string }
  | { kind: 'uri'; uri: string }
  /** Token :in / :not-in / :above / :below: any of these codes (grouped by system). */
  | { kind: 'concepts'; concepts: SystemCodes[] }
  /** One value per component, in the composite's component order. */
  | { kind: 'composite'; parts: SearchValue[] }
  | { kind: 'missing'; missing: boolean };

/** One search parameter occurrence: the OR of its comma-separated values. */
export interface Clause {
  param: string;
  type: SearchParamType;
  modifier?: Modifier;
  /** For a reference `:[type]` modifier. */
  targetType?: string;
  values: SearchValue[];
}

export interface SortItem {
  param: string;
  desc: boolean;
}

/**
 * `subject:Patient.name=x` (search.html#chaining): the reference `param` points to a match of
 * one of the inner searches, one per target type that has the next parameter.
 */
export interface ForwardChain {
  kind: 'chain';
  /** The whole parameter as written, for messages. */
  key: string;
  param: string;
  targets: SearchRequest[];
}

/**
 * `_has:Observation:patient:code=x` (search.html#has): a match of the inner search (on
 * Observation) points to the resource through its reference parameter `param` (patient).
 */
export interface ReverseChain {
  kind: 'has';
  /** The whole parameter as written, for messages. */
  key: string;
  param: string;
  inner: SearchRequest;
}

export type ChainedClause = ForwardChain | ReverseChain;

export interface SearchRequest {
  type: string;
  /** AND of clauses; each clause is an OR of its values. */
  clauses: Clause[];
  /** Also ANDed: chained clauses, which the services layer resolves into plain clauses before compiling. */
  chains: ChainedClause[];
  sort: SortItem[];
  count?: number;
  offset?: number;
  /** The opaque keyset cursor of a page link (cursor.ts). */
  cursor?: string;
  /** A condition the URL adds, never the query string: a compartment (`Patient/123/Observation`). */
  within?: Filter;
  total?: 'none' | 'estimate' | 'accurate';
  summary?: 'true' | 'text' | 'data' | 'count' | 'false';
  elements?: string[];
  /** Raw `_include` / `_revinclude` values (not interpreted here). */
  include: string[];
  revinclude: string[];
  /** Parameter names (with modifier) this layer did not understand. */
  unknown: string[];
}
