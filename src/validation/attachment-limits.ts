/**
 * Attachments too large to accept: Binary content and the attachments of a DiagnosticReport
 * (presentedForm) and a Consent (sourceAttachment) over the configured limit (ATTACHMENT_LIMIT,
 * 10 MB by default), measured by the data they carry (base64 decoded) or the size they declare.
 * The reason is always stated, with both sizes.
 */
import type { Attachment, Binary, Consent, DiagnosticReport, Resource } from 'fhir/r4.js';
import { type ValidationIssue, issueOf } from './issue.js';

export const DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024;

/** The bytes base64 text decodes to, without decoding it. */
function decodedLength(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return Math.floor((base64.replace(/\s/g, '').length * 3) / 4) - padding;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

function oversize(expression: string, bytes: number, limit: number): ValidationIssue {
  return issueOf('error', 'too-long', 'VAL_ATTACHMENT_TOO_LARGE', expression,
    `${expression} holds ${megabytes(bytes)} (${bytes} bytes); the limit for attachments is ${megabytes(limit)} (${limit} bytes)`,
    `${expression} содержит ${megabytes(bytes)} (${bytes} байт); предельный размер вложения — ${megabytes(limit)} (${limit} байт)`);
}

function attachmentSize(attachment: Attachment): number {
  const carried = typeof attachment.data === 'string' ? decodedLength(attachment.data) : 0;
  return Math.max(carried, typeof attachment.size === 'number' ? attachment.size : 0);
}

/** The attachments checked for each type, with their FHIRPath locations. */
function attachmentsOf(resource: Resource): [string, Attachment][] {
  const r = resource as Binary | DiagnosticReport | Consent;
  if (r.resourceType === 'Binary') return [['Binary.data', { data: r.data }]];
  if (r.resourceType === 'DiagnosticReport') return (r.presentedForm ?? []).map((a, i): [string, Attachment] => [`DiagnosticReport.presentedForm[${i}]`, a]);
  if (r.resourceType === 'Consent' && r.sourceAttachment) return [['Consent.sourceAttachment', r.sourceAttachment]];
  return [];
}

export function attachmentIssues(resource: Resource, limit: number): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const [expression, attachment] of attachmentsOf(resource)) {
    const bytes = attachmentSize(attachment);
    if (bytes > limit) issues.push(oversize(expression, bytes, limit));
  }
  return issues;
}
