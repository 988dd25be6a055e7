/**
 * POSTs a notification Bundle to a rest-hook endpoint over node:http(s), with connections kept
 * alive per endpoint. fetch (undici and its web streams) had cost about 5% of the server's CPU
 * under a stream of deliveries, for one small POST each.
 */
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Bundle } from 'fhir/r4.js';
import type { DeliveryAttempt } from './outbox.js';

const httpAgent = new HttpAgent({ keepAlive: true });
const httpsAgent = new HttpsAgent({ keepAlive: true });

/** The endpoint's HTTP status once its whole answer has been read. */
function post(endpoint: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<number> {
  const https = endpoint.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const answered = (response: IncomingMessage) => {
      response.on('error', reject);
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.resume();
    };
    const options = { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, agent: https ? httpsAgent : httpAgent, signal };
    const request = https ? httpsRequest(endpoint, options, answered) : httpRequest(endpoint, options, answered);
    request.on('error', reject);
    request.end(body);
  });
}

function failure(err: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (signal.aborted) return `no answer within ${timeoutMs} ms`;
  const { message, code } = err as { message?: string; code?: string };
  return (message ?? code ?? String(err)).slice(0, 300);
}

/** POSTs a notification Bundle to a rest-hook endpoint; the attempt says how it went. */
export async function postNotification(endpoint: string, headers: [string, string][], bundle: Bundle, timeoutMs: number): Promise<DeliveryAttempt & { ok: boolean }> {
  const at = new Date();
  const started = performance.now();
  const durationMs = () => Math.round(performance.now() - started);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const httpStatus = await post(new URL(endpoint), { ...Object.fromEntries(headers), 'content-type': 'application/fhir+json' }, JSON.stringify(bundle), signal);
    const ok = httpStatus >= 200 && httpStatus < 300;
    return { ok, at, httpStatus, durationMs: durationMs(), ...(ok ? {} : { error: `HTTP ${httpStatus}` }) };
  } catch (err) {
    return { ok: false, at, error: failure(err, signal, timeoutMs), durationMs: durationMs() };
  }
}
