/**
 * Comparing JSON values the way ElementDefinition.fixed[x] and pattern[x] do
 * (elementdefinition-definitions.html#ElementDefinition.pattern_x_).
 */

/** fixed[x]: the same value, every property and array element exactly. */
export function equalsFixed(value: unknown, fixed: unknown): boolean {
  if (value === fixed) return true;
  if (typeof value !== 'object' || typeof fixed !== 'object' || value === null || fixed === null) return false;
  if (Array.isArray(value) !== Array.isArray(fixed)) return false;
  const keys = Object.keys(fixed);
  if (keys.length !== Object.keys(value).length) return false;
  return keys.every((key) => equalsFixed((value as Record<string, unknown>)[key], (fixed as Record<string, unknown>)[key]));
}

/**
 * pattern[x]: every property the pattern has is in the value with a matching value; each
 * element of a pattern array matches some element of the value's array.
 */
export function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (typeof pattern !== 'object' || pattern === null) return value === pattern;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && pattern.every((wanted) => value.some((item) => matchesPattern(item, wanted)));
  }
  for (const key of Object.keys(pattern)) {
    if (!matchesPattern((value as Record<string, unknown>)[key], (pattern as Record<string, unknown>)[key])) return false;
  }
  return true;
}
