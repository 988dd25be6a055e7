/**
 * Whether a code is in a ValueSet, from the definitions this server holds (terminology.ts:
 * R4, profiles/ and the NSI dictionaries of TERMINOLOGY_DIR). The answer can be "unknown": a dictionary that is not loaded (a CodeSystem
 * with content not-present or fragment, or none at all), a filter, a ValueSet not held here.
 * One matcher per ValueSet, worked out once per set of loaded dictionaries.
 */
import { type ComposeRule, type LocalConcept, canonicalUrl, derivedCache, localCodeSystem, localValueSet } from '../search/terminology.js';

export type Membership =
  | { kind: 'member' }
  | { kind: 'not-member' }
  /** `dictionary` names what is missing: a code system URL or a ValueSet URL. */
  | { kind: 'unknown'; dictionary: string };

/** `system` undefined: an element of type code, whose system the ValueSet implies. */
export type MembershipTest = (system: string | undefined, code: string) => Membership;

const MEMBER: Membership = { kind: 'member' };
const NOT_MEMBER: Membership = { kind: 'not-member' };

const matchers = derivedCache<string, MembershipTest>();

function codesOf(concepts: LocalConcept[], into: Set<string> = new Set()): Set<string> {
  for (const concept of concepts) {
    into.add(concept.code);
    if (concept.concept) codesOf(concept.concept, into);
  }
  return into;
}

/** What one include (or exclude) says about a code of its system. */
function ruleTest(rule: ComposeRule, visiting: Set<string>): MembershipTest {
  const imported = (rule.valueSets ?? []).map((url) => testFor(url, visiting));
  const own = rule.system ? systemTest(rule.system, rule) : undefined;
  return (system, code) => {
    let answer: Membership = MEMBER;
    if (own) {
      if (system !== undefined && system !== rule.system) return NOT_MEMBER;
      answer = own(code);
    }
    for (const test of imported) {
      if (answer.kind === 'not-member') break;
      const next = test(system, code);
      if (next.kind !== 'member') answer = next;
    }
    return answer;
  };
}

function systemTest(system: string, rule: ComposeRule): (code: string) => Membership {
  const unknown: Membership = { kind: 'unknown', dictionary: system };
  if (rule.hasFilter) return () => unknown;
  if (rule.codes) {
    const listed = new Set(rule.codes);
    return (code) => (listed.has(code) ? MEMBER : NOT_MEMBER);
  }
  const codeSystem = localCodeSystem(system);
  if (!codeSystem) return () => unknown;
  const known = codesOf(codeSystem.concept);
  const complete = codeSystem.content === 'complete';
  return (code) => (known.has(code) ? MEMBER : complete ? NOT_MEMBER : unknown);
}

function testFor(url: string, visiting: Set<string>): MembershipTest {
  const key = canonicalUrl(url);
  const cached = matchers.get(key);
  if (cached) return cached;
  const valueSet = localValueSet(key);
  if (!valueSet || visiting.has(key)) return () => ({ kind: 'unknown', dictionary: key });
  visiting.add(key);
  const includes = valueSet.include.map((rule) => ruleTest(rule, visiting));
  const excludes = valueSet.exclude.map((rule) => ruleTest(rule, visiting));
  visiting.delete(key);
  const test: MembershipTest = (system, code) => {
    let answer: Membership = NOT_MEMBER;
    for (const include of includes) {
      const found = include(system, code);
      if (found.kind === 'member') { answer = found; break; }
      if (found.kind === 'unknown') answer = found;
    }
    if (answer.kind !== 'member') return answer;
    return excludes.some((exclude) => exclude(system, code).kind === 'member') ? NOT_MEMBER : MEMBER;
  };
  matchers.set(key, test);
  return test;
}

/**
 * The membership test of a ValueSet by canonical URL (a `|version` is ignored). Compiled profiles
 * keep it, so it looks its matcher up on each call: dictionaries loaded later apply to them too.
 */
export function valueSetMembership(url: string): MembershipTest {
  const key = canonicalUrl(url);
  testFor(key, new Set());
  return (system, code) => (matchers.get(key) ?? testFor(key, new Set()))(system, code);
}
