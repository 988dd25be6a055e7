/** The Prefer header (RFC 7240) as FHIR uses it: return=... and handling=... */
export interface Preferences {
  return?: 'minimal' | 'representation' | 'OperationOutcome';
  handling?: 'strict' | 'lenient';
}

const RETURN_VALUES = new Set(['minimal', 'representation', 'OperationOutcome']);
const HANDLING_VALUES = new Set(['strict', 'lenient']);

/** Unknown preferences are ignored, as RFC 7240 asks. */
export function parsePrefer(header: string | undefined): Preferences {
  const preferences: Preferences = {};
  if (!header) return preferences;
  for (const part of header.split(/[,;]/)) {
    const [name, rawValue] = part.split('=').map((s) => s.trim());
    const value = rawValue?.replace(/^"|"$/g, '');
    if (name === 'return' && value && RETURN_VALUES.has(value)) preferences.return = value as Preferences['return'];
    if (name === 'handling' && value && HANDLING_VALUES.has(value)) preferences.handling = value as Preferences['handling'];
  }
  return preferences;
}
