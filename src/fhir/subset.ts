import type { Coding, Resource } from 'fhir/r4.js';
import { FhirError } from './errors.js';
import { mandatoryElements, summaryElements } from './resource-types.js';

/** How a client asked to shorten a resource: `_summary` and `_elements` (R4 search.html#summary). */
export interface SubsetRequest {
  summary?: 'true' | 'false' | 'text' | 'data' | 'count';
  elements?: string[];
}

const SUMMARY_VALUES = new Set(['true', 'false', 'text', 'data', 'count']);
const ALWAYS_KEPT = ['resourceType', 'id', 'meta'];
export const SUBSETTED: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  code: 'SUBSETTED',
};

export function parseSubsetRequest(query: Record<string, unknown>): SubsetRequest {
  const request: SubsetRequest = {};
  const summary = query._summary;
  if (summary !== undefined) {
    if (typeof summary !== 'string' || !SUMMARY_VALUES.has(summary)) {
      throw new FhirError('FHIR_ERR_PARAM_INVALID', ['_summary', 'use true, false, text, data or count']);
    }
    request.summary = summary as SubsetRequest['summary'];
  }
  const elements = query._elements;
  if (elements !== undefined) {
    const list = (Array.isArray(elements) ? elements : [elements]).join(',');
    request.elements = list.split(',').map((e) => e.trim()).filter(Boolean);
  }
  return request;
}

/** Top-level element names in a choice-aware way: `deceased` keeps `deceasedBoolean`, `_x` follows `x`. */
function keepsKey(key: string, names: ReadonlySet<string>): boolean {
  const base = key.startsWith('_') ? key.slice(1) : key;
  if (names.has(base)) return true;
  for (const name of names) if (base.startsWith(name) && /^[A-Z]/.test(base.slice(name.length))) return true;
  return false;
}

function pick(resource: Resource, names: Iterable<string>): Resource {
  const keep = new Set([...ALWAYS_KEPT, ...names]);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) if (keepsKey(key, keep)) out[key] = value;
  return out as unknown as Resource;
}

function tagSubsetted(resource: Resource): Resource {
  const meta = { ...(resource.meta ?? {}) };
  meta.tag = [...(meta.tag ?? []), SUBSETTED];
  return { ...resource, meta };
}

/** Whether the request changes what a resource looks like (_summary=false and no _elements do not). */
export function isSubsetting(request: SubsetRequest): boolean {
  return (request.summary !== undefined && request.summary !== 'false') || (request.elements?.length ?? 0) > 0;
}

/** Applies `_summary` / `_elements` to one resource; the stored resource is never changed. */
export function subsetResource(resource: Resource, request: SubsetRequest): Resource {
  const type = resource.resourceType;
  if (request.summary === 'true') return tagSubsetted(pick(resource, summaryElements(type)));
  if (request.summary === 'text') return tagSubsetted(pick(resource, ['text', ...mandatoryElements(type)]));
  if (request.summary === 'data') {
    const { text: _text, ...rest } = resource as Resource & { text?: unknown };
    return tagSubsetted(rest as Resource);
  }
  if (request.elements && request.elements.length > 0) {
    return tagSubsetted(pick(resource, [...request.elements, ...mandatoryElements(type)]));
  }
  return resource;
}
