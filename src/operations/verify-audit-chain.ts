/**
 * GET [base]/AuditEvent/$verify-chain?start=&end=: re-computes the hash chain of the AuditEvents
 * recorded in the range (either end may be left open) and reports whether it is intact, how many
 * events were checked, and the first event where it breaks and why (an event changed, removed or
 * put out of order). Audit events still waiting for their flush are linked first, so the answer
 * covers everything recorded before the request.
 */
import type { Parameters, ParametersParameter } from 'fhir/r4.js';
import { auditEventsInOrder } from '../audit/audit-chain-store.js';
import { type ChainReport, verifyChain } from '../audit/hash-chain.js';
import { FhirError } from '../fhir/errors.js';
import { parseDateRange } from '../search/date-range.js';
import type { FhirRequest, FhirResponse } from '../http/fhir-request.js';
import type { ServerContext } from '../http/server-context.js';

/** The start of a range bound: `start` from its first instant, `end` after its last (end=2026-11 covers November). */
function boundOf(request: FhirRequest, name: 'start' | 'end'): Date | undefined {
  const text = request.query.get(name);
  if (text === null || text === '') return undefined;
  const range = parseDateRange(text);
  if (!range) throw new FhirError('FHIR_ERR_PARAM_INVALID', [name, `"${text.slice(0, 40)}" is not a FHIR date or dateTime`]);
  return name === 'start' ? range.lo : new Date(range.hi.getTime() + 1);
}

function reportParameters(report: ChainReport): Parameters {
  const parameter: ParametersParameter[] = [
    { name: 'intact', valueBoolean: report.firstBreak === undefined },
    { name: 'checked', valueInteger: report.checked },
  ];
  const broken = report.firstBreak;
  if (broken) {
    parameter.push({
      name: 'firstBreak',
      part: [
        { name: 'sequence', valueInteger: broken.sequence },
        ...(broken.id ? [{ name: 'event', valueReference: { reference: `AuditEvent/${broken.id}` } }] : []),
        { name: 'reason', valueCode: broken.reason },
      ],
    });
  }
  return { resourceType: 'Parameters', parameter };
}

export async function verifyAuditChain(request: FhirRequest, context: ServerContext): Promise<FhirResponse> {
  if (request.type !== 'AuditEvent') throw new FhirError('FHIR_ERR_TYPE_OPERATION_UNKNOWN', ['$verify-chain', request.type!.slice(0, 64)]);
  const start = boundOf(request, 'start');
  const end = boundOf(request, 'end');
  await context.audit?.flush();
  const report = await verifyChain(auditEventsInOrder(context.store, start, end));
  return { status: 200, body: reportParameters(report) };
}
