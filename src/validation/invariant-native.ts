/**
 * R4 invariants checked in plain code instead of FHIRPath: those met at nearly every node
 * (ele-1's test, which the walker applies to every element; ext-1; ref-1), and those
 * fhirpath.js 5.2.0 cannot evaluate as written:
 * - dom-3 uses `descendants().as(canonical)`, and fhirpath.js demands a singleton left of `as`
 *   (it throws on every resource with contained resources);
 * - txt-1 and txt-2 are both `htmlChecks()` in R4: see narrative-rules.ts.
 * dom-2, dom-4 and dom-5 are simple and sit beside dom-3; like it, they point at the contained
 * resource at fault rather than at the container.
 */
import type { EvalScope } from './invariant-model.js';
import { isObject, isPresent, type JsonObject } from './json-values.js';
import { hasNarrativeContent, isBasicXhtml } from './narrative-rules.js';

/** Where a check fails: location suffixes relative to its node (`''` is the node itself). */
export type NativeCheck = (node: unknown, scope: EvalScope) => readonly string[];

const HOLDS: readonly string[] = [];
const FAILS_HERE: readonly string[] = [''];

/** ele-1: an element (a JSON object that is not a resource) with neither a value nor a child besides its id. */
export function isEmptyElement(element: JsonObject): boolean {
  for (const key in element) {
    if (key !== 'id' && isPresent(element[key])) return false;
  }
  return true;
}

/** ext-1: an extension has either nested extensions or a value[x] (or its `_value[x]` part), not both. */
function extensionHasOneContent(node: unknown): readonly string[] {
  if (!isObject(node)) return HOLDS;
  const hasExtensions = isPresent(node.extension);
  const hasValue = Object.keys(node).some((key) => /^_?value[A-Z]/.test(key) && isPresent(node[key]));
  return hasExtensions === hasValue ? FAILS_HERE : HOLDS;
}

function containedOf(resource: unknown): JsonObject[] {
  if (!isObject(resource) || !Array.isArray(resource.contained)) return [];
  return resource.contained.filter(isObject);
}

function hasContainedWithId(root: JsonObject, id: string): boolean {
  return containedOf(root).some((contained) => contained.id === id);
}

/**
 * The dom-* rules belong to the resource that holds contained resources; a contained resource
 * cannot hold any (dom-2), so they are not checked again inside one.
 */
function perContained(check: (contained: JsonObject, at: string) => string[]): NativeCheck {
  return (node, scope) => {
    if (!isObject(node) || !Array.isArray(node.contained) || scope.resource !== scope.rootResource) return HOLDS;
    return containedOf(node).flatMap((contained, index) => check(contained, `.contained[${index}]`));
  };
}

const nestedContained = perContained((contained, at) => (isPresent(contained.contained) ? [`${at}.contained`] : []));

const versionedContained = perContained((contained, at) => {
  const meta = isObject(contained.meta) ? contained.meta : {};
  return ['versionId', 'lastUpdated'].filter((key) => isPresent(meta[key])).map((key) => `${at}.meta.${key}`);
});

const labelledContained = perContained((contained, at) => {
  const meta = isObject(contained.meta) ? contained.meta : {};
  return isPresent(meta.security) ? [`${at}.meta.security`] : [];
});

/**
 * Every string in the resource that starts with `#`. dom-3 looks at references, canonicals,
 * uris and urls; any other string equal to `#id` is too rare to be worth the types.
 */
function localReferences(value: unknown, out: Set<string>): Set<string> {
  if (typeof value === 'string') {
    if (value.startsWith('#')) out.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) localReferences(item, out);
  } else if (isObject(value)) {
    for (const key in value) localReferences(value[key], out);
  }
  return out;
}

/** dom-3: every contained resource is referenced from the resource or another contained one (or `#` is used). */
function unreferencedContained(node: unknown, scope: EvalScope): readonly string[] {
  if (!isObject(node) || !Array.isArray(node.contained) || scope.resource !== scope.rootResource) return HOLDS;
  const references = localReferences(node, new Set());
  if (references.has('#')) return HOLDS;
  return containedOf(node).flatMap((c, index) => (typeof c.id === 'string' && !references.has(`#${c.id}`) ? [`.contained[${index}]`] : []));
}

/** ref-1: a local reference (`#id`) names a resource contained in the root resource. `#` alone is the container. */
function localReferenceResolves(node: unknown, scope: EvalScope): readonly string[] {
  if (!isObject(node) || typeof node.reference !== 'string') return HOLDS;
  const reference = node.reference;
  if (!reference.startsWith('#') || reference === '#') return HOLDS;
  return hasContainedWithId(scope.rootResource, reference.slice(1)) ? HOLDS : FAILS_HERE;
}

/** txt-1; a narrative without content breaks txt-2 rather than both. */
function narrativeIsBasicXhtml(div: unknown): readonly string[] {
  if (typeof div !== 'string' || !hasNarrativeContent(div)) return HOLDS;
  return isBasicXhtml(div) ? HOLDS : FAILS_HERE;
}

export const NATIVE_CHECKS: ReadonlyMap<string, NativeCheck> = new Map<string, NativeCheck>([
  ['ext-1', extensionHasOneContent],
  ['dom-2', nestedContained],
  ['dom-3', unreferencedContained],
  ['dom-4', versionedContained],
  ['dom-5', labelledContained],
  ['ref-1', localReferenceResolves],
  ['txt-1', narrativeIsBasicXhtml],
  ['txt-2', (div) => (typeof div !== 'string' || hasNarrativeContent(div) ? HOLDS : FAILS_HERE)],
]);
