import type { Bundle } from 'fhir/r4.js';
import type { DeliveryAttempt } from './outbox.js';

/** POSTs a notification Bundle to a rest-hook endpoint; the attempt says how it went. */
export async function postNotification(endpoint: string, headers: [string, string][], bundle: Bundle, timeoutMs: number): Promise<DeliveryAttempt & { ok: boolean }> {
  const at = new Date();
  const started = performance.now();
  const durationMs = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { ...Object.fromEntries(headers), 'content-type': 'application/fhir+json' },
      body: JSON.stringify(bundle),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    const ok = response.status >= 200 && response.status < 300;
    return { ok, at, httpStatus: response.status, durationMs: durationMs(), ...(ok ? {} : { error: `HTTP ${response.status}` }) };
  } catch (err) {
    const error = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${(err as Error).message}${(err as { cause?: Error }).cause ? `: ${(err as { cause: Error }).cause.message}` : ''}`;
    return { ok: false, at, error: error.slice(0, 300), durationMs: durationMs() };
  }
}
