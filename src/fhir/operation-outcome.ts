import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';
import type { FhirError } from './errors.js';

export function outcomeOf(issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/** An OperationOutcome for an error; details.text carries the Russian message. Validation lists its findings after it. */
export function errorOutcome(err: FhirError): OperationOutcome {
  if (err.outcomeIssues) return outcomeOf([leadIssue(err), ...err.outcomeIssues]);
  return outcomeOf([leadIssue(err)]);
}

export function leadIssue(err: FhirError): OperationOutcomeIssue {
  const issue: OperationOutcomeIssue = {
    severity: err.status >= 500 ? 'fatal' : 'error',
    code: err.issue,
    details: { coding: [{ system: 'urn:egisz-fhir:error', code: err.code }], text: err.russian },
    diagnostics: err.message,
  };
  if (err.expression) issue.expression = err.expression;
  return issue;
}

export function informationOutcome(message: string): OperationOutcome {
  return outcomeOf([{ severity: 'information', code: 'informational', diagnostics: message }]);
}
