/**
 * Local ValueSet expansion for the token :in / :not-in modifiers (search.html#modifiers).
 * A ValueSet expands here when each include and exclude lists its concepts, names a whole
 * CodeSystem that is itself local and complete, or imports other ValueSets that expand here;
 * filters would need a terminology server. Expansions are cached per URL.
 */
import type { SystemCodes } from './types.js';
import { type ComposeRule, type LocalConcept, TerminologyError, canonicalUrl, derivedCache, localCodeSystem, localValueSet } from './terminology.js';

/** Codes by system. */
type CodeSet = Map<string, Set<string>>;

const expansions = derivedCache<string, SystemCodes[]>();

function cannotExpand(url: string, why: string): TerminologyError {
  return new TerminologyError(`ValueSet ${url} cannot expand locally: ${why}`);
}

function allCodes(concepts: LocalConcept[], out: Set<string> = new Set()): Set<string> {
  for (const c of concepts) {
    out.add(c.code);
    if (c.concept) allCodes(c.concept, out);
  }
  return out;
}

function wholeCodeSystem(url: string, system: string): Set<string> {
  const codeSystem = localCodeSystem(system);
  if (!codeSystem) throw cannotExpand(url, `its CodeSystem ${system} is not known here`);
  if (codeSystem.content !== 'complete') throw cannotExpand(url, `its CodeSystem ${system} does not list all its codes (content ${codeSystem.content})`);
  return allCodes(codeSystem.concept);
}

function intersect(a: CodeSet, b: CodeSet): CodeSet {
  const out: CodeSet = new Map();
  for (const [system, codes] of a) {
    const other = b.get(system);
    if (other) out.set(system, new Set([...codes].filter((c) => other.has(c))));
  }
  return out;
}

/** The codes one include or exclude stands for: its system part and imported ValueSets intersected. */
function ruleCodes(url: string, rule: ComposeRule, visiting: Set<string>): CodeSet {
  if (rule.hasFilter) throw cannotExpand(url, 'it selects codes with a filter');
  const sets: CodeSet[] = (rule.valueSets ?? []).map((imported) => expandInto(imported, visiting));
  if (rule.system) sets.unshift(new Map([[rule.system, rule.codes ? new Set(rule.codes) : wholeCodeSystem(url, rule.system)]]));
  if (sets.length === 0) throw cannotExpand(url, 'an include names neither a system nor a ValueSet');
  return sets.reduce(intersect);
}

function expandInto(url: string, visiting: Set<string>): CodeSet {
  const valueSet = localValueSet(url);
  if (!valueSet) throw new TerminologyError(`ValueSet ${url} is not known to this server`);
  if (visiting.has(valueSet.url)) throw cannotExpand(url, 'it includes itself');
  visiting.add(valueSet.url);
  const out: CodeSet = new Map();
  for (const rule of valueSet.include) {
    for (const [system, codes] of ruleCodes(url, rule, visiting)) {
      const into = out.get(system) ?? new Set();
      for (const code of codes) into.add(code);
      out.set(system, into);
    }
  }
  for (const rule of valueSet.exclude) {
    for (const [system, codes] of ruleCodes(url, rule, visiting)) for (const code of codes) out.get(system)?.delete(code);
  }
  visiting.delete(valueSet.url);
  return out;
}

/** The codes of a local ValueSet by system; throws TerminologyError when that cannot be known here. */
export function expandValueSet(canonical: string): SystemCodes[] {
  const url = canonicalUrl(canonical);
  let expansion = expansions.get(url);
  if (!expansion) {
    expansion = [...expandInto(url, new Set())].map(([system, codes]) => ({ system, codes: [...codes] }));
    expansions.set(url, expansion);
  }
  return expansion;
}
