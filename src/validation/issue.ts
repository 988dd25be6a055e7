/**
 * One finding of validation, in the shape an OperationOutcome issue takes: severity, the
 * IssueType code, a message in English and Russian, and where (a FHIRPath location such
 * as `Patient.identifier[0].value`). Every validator returns a list of these.
 */
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import type { IssueCode } from '../fhir/errors.js';

export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

export interface ValidationIssue {
  severity: IssueSeverity;
  code: IssueCode;
  /** A stable machine-readable reason, e.g. `VAL_CARDINALITY_MIN`, `VAL_CHECK_DIGIT`. */
  reason: string;
  en: string;
  ru: string;
  /** FHIRPath location: `Observation.code.coding[0].system`. */
  expression: string;
}

export function issueOf(severity: IssueSeverity, code: IssueCode, reason: string, expression: string, en: string, ru: string): ValidationIssue {
  return { severity, code, reason, en, ru, expression };
}

/** The OperationOutcome form: details carries the reason code and the Russian text, diagnostics the English. */
export function outcomeIssue(issue: ValidationIssue): OperationOutcomeIssue {
  return {
    severity: issue.severity,
    code: issue.code,
    details: { coding: [{ system: 'urn:egisz-fhir:validation', code: issue.reason }], text: issue.ru },
    diagnostics: issue.en,
    expression: [issue.expression],
  };
}

/** `/identifier/0/value` (a JSON pointer into a resource) as `Patient.identifier[0].value`. */
export function fhirPathOfPointer(resourceType: string, pointer: string): string {
  let path = resourceType;
  for (const step of pointer.split('/').slice(1)) {
    const name = step.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(name) ? `[${name}]` : `.${name}`;
  }
  return path;
}
