/**
 * References between the entries of a transaction (bundle.html#references, http.html#trules):
 * a reference to an entry's fullUrl (urn:uuid:, urn:oid:, or an absolute url, also when
 * written relative to the referring entry's base) becomes `Type/id` of what that entry
 * wrote, and a conditional reference (`Patient?identifier=...`) becomes the one resource
 * it matches. References stand anywhere: in extensions, in contained resources, and as
 * links in the narrative.
 */
import type { Resource } from 'fhir/r4.js';
import { FhirError } from '../../fhir/errors.js';
import { isResourceType } from '../../fhir/resource-types.js';

/** Finds the resource a conditional reference names; throws 412 for none or several. */
export type ConditionalResolver = (type: string, query: string, reference: string) => Promise<string>;

const CONDITIONAL = /^([A-Z][A-Za-z]+)\?(.+)$/;
const RELATIVE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[^/]+)?$/;
const RESTFUL_URL = /^(https?:\/\/.+)\/[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[^/]+)?$/;
const PLACEHOLDER_IN_TEXT = /urn:(?:uuid|oid):[^"'\s<>]+/g;

/** Where a resource holds references, with their text as the client sent it. */
interface ReferenceSites {
  references: { holder: Record<string, unknown>; original: string }[];
  narratives: { holder: Record<string, unknown>; original: string }[];
}

/**
 * Collected once per resource: a store transaction that conflicts is re-run, and the re-run
 * must rewrite from what the client sent, not from the ids the first attempt chose.
 */
const sitesOfResource = new WeakMap<Resource, ReferenceSites>();

/** Every Reference.reference in a resource, contained resources and extensions included, and the narrative. */
function collect(value: unknown, sites: ReferenceSites): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, sites);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const holder = value as Record<string, unknown>;
  for (const key in holder) {
    const child = holder[key];
    if (typeof child === 'string') {
      if (key === 'reference') sites.references.push({ holder, original: child });
      else if (key === 'div' && child.includes('urn:')) sites.narratives.push({ holder, original: child });
    } else if (typeof child === 'object') {
      collect(child, sites);
    }
  }
}

function sitesOf(resource: Resource): ReferenceSites {
  let sites = sitesOfResource.get(resource);
  if (!sites) {
    sites = { references: [], narratives: [] };
    collect(resource, sites);
    sitesOfResource.set(resource, sites);
  }
  return sites;
}

export class ReferenceRewriter {
  /** Conditional references already resolved in this transaction, by their text. */
  private readonly resolved = new Map<string, Promise<string>>();

  /**
   * @param targets what each fullUrl of the Bundle became (`Type/id`)
   * @param serverBase the base relative references of entries without an absolute fullUrl resolve against
   */
  constructor(
    private readonly targets: ReadonlyMap<string, string>,
    private readonly serverBase: string,
    private readonly resolveConditional: ConditionalResolver,
  ) {}

  /** Rewrites the references of `resource` in place; `fullUrl` is the referring entry's. */
  async rewrite(resource: Resource, fullUrl: string | undefined): Promise<void> {
    const { references, narratives } = sitesOf(resource);
    const base = fullUrl === undefined ? this.serverBase : (RESTFUL_URL.exec(fullUrl)?.[1] ?? this.serverBase);
    for (const { holder, original } of references) {
      holder.reference = (await this.target(original, base)) ?? original;
    }
    for (const { holder, original } of narratives) {
      holder.div = original.replace(PLACEHOLDER_IN_TEXT, (placeholder) => this.targets.get(placeholder) ?? placeholder);
    }
  }

  /** What a reference becomes, or undefined when it stays as it is. */
  private target(reference: string, base: string): Promise<string> | string | undefined {
    const exact = this.targets.get(reference);
    if (exact !== undefined) return exact;
    if (reference.startsWith('urn:uuid:') || reference.startsWith('urn:oid:')) {
      throw new FhirError('FHIR_ERR_REFERENCE_UNRESOLVED', [reference.slice(0, 200)]);
    }
    if (RELATIVE.test(reference)) return this.targets.get(`${base}/${reference}`);
    const conditional = CONDITIONAL.exec(reference);
    if (conditional && isResourceType(conditional[1]!)) return this.conditional(conditional[1]!, conditional[2]!, reference);
    return undefined;
  }

  private conditional(type: string, query: string, reference: string): Promise<string> {
    let pending = this.resolved.get(reference);
    if (!pending) this.resolved.set(reference, (pending = this.resolveConditional(type, query, reference)));
    return pending;
  }
}
