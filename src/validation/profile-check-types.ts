/**
 * The shapes a profile compiles to: plain functions over the resource JSON that push issues.
 */
import type { ValidationIssue } from './issue.js';

/** One value of an element, with its FHIRPath location and, for a choice element, its type. */
export interface Item {
  value: unknown;
  path: string;
  type: string | undefined;
}

/** Checks one value of an element; `resource` is the whole resource (FHIRPath invariants see it as %resource). */
export type ItemCheck = (item: Item, out: ValidationIssue[], resource: object) => void;

/** Checks one element inside one parent object at `parentPath`. */
export type MemberCheck = (parent: Record<string, unknown>, parentPath: string, out: ValidationIssue[], resource: object) => void;

export interface CompileContext {
  /** How messages name the profile: its id. */
  profile: string;
  /** The resource type a targetProfile URL stands for. */
  typeOfProfile(url: string): string | undefined;
}

export class ProfileCompileError extends Error {}

/** Runs every check in turn; undefined when there is none. */
export function allOf(checks: (ItemCheck | undefined)[]): ItemCheck | undefined {
  const present = checks.filter((c): c is ItemCheck => c !== undefined);
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  return (item, out, resource) => {
    for (const check of present) check(item, out, resource);
  };
}
