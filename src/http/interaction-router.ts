/**
 * Finds the interaction a method and a path below the FHIR base name, with the path's
 * parameters: how the entries of a batch or transaction reach the same handlers as
 * requests over HTTP. Routes come from the one interaction registry; a literal segment
 * beats a parameter (`$reindex` before `:type`), as in the HTTP router.
 */
import { INTERACTIONS, type InteractionRoute } from './interactions/registry.js';

export interface RouteMatch {
  route: InteractionRoute;
  params: Record<string, string>;
}

interface CompiledRoute {
  route: InteractionRoute;
  segments: string[];
  literals: number;
}

let compiled: CompiledRoute[] | undefined;

function compile(): CompiledRoute[] {
  const routes = INTERACTIONS.map((route) => {
    const segments = route.path.split('/').filter(Boolean);
    return { route, segments, literals: segments.filter((s) => !s.startsWith(':')).length };
  });
  return routes.sort((a, b) => b.literals - a.literals);
}

function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const part = pattern[i]!;
    if (part.startsWith(':')) {
      const value = decoded(segments[i]!);
      if (value === undefined) return undefined;
      params[part.slice(1)] = value;
    } else if (part !== segments[i]) return undefined;
  }
  return params;
}

/** `path` without the base and without a query, e.g. `Patient/123/_history/2`. */
export function matchInteraction(method: string, path: string): RouteMatch | undefined {
  compiled ??= compile();
  const segments = path.split('/').filter(Boolean);
  for (const { route, segments: pattern } of compiled) {
    if (route.method !== method) continue;
    const params = matchSegments(pattern, segments);
    if (params) return { route, params };
  }
  return undefined;
}
