import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, Parameters } from 'fhir/r4.js';

export interface Received {
  at: number;
  headers: IncomingHttpHeaders;
  bundle: Bundle;
  /** The SubscriptionStatus entry's type: handshake, heartbeat or event-notification. */
  type: string;
  eventNumbers: number[];
}

/** A rest-hook endpoint for tests: records every notification, and answers with what `answer` says. */
export interface CaptureEndpoint {
  url: string;
  received: Received[];
  /** Status to answer the n-th request (from 1); 200 by default. */
  answer: (n: number, bundle: Bundle) => number;
  /** The event notifications received (a backlog may come as one notification of several events). */
  events(): Received[];
  /** Waits until `count` events (not notifications) have arrived; the event notifications so far. */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

function statusOf(bundle: Bundle): Parameters {
  return bundle.entry![0]!.resource as Parameters;
}

export function describeNotification(bundle: Bundle): { type: string; eventNumbers: number[] } {
  const parameters = statusOf(bundle).parameter ?? [];
  const type = parameters.find((p) => p.name === 'type')?.valueCode ?? '';
  const eventNumbers = parameters.filter((p) => p.name === 'notification-event').map((p) => Number(p.part?.find((q) => q.name === 'event-number')?.valueString));
  return { type, eventNumbers };
}

export async function captureEndpoint(): Promise<CaptureEndpoint> {
  let requests = 0;
  const endpoint: CaptureEndpoint = {
    url: '',
    received: [],
    answer: () => 200,
    events: () => endpoint.received.filter((r) => r.type === 'event-notification'),
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      const arrived = () => endpoint.events().reduce((sum, received) => sum + received.eventNumbers.length, 0);
      while (arrived() < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return endpoint.events();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const bundle = JSON.parse(body) as Bundle;
      const status = endpoint.answer(++requests, bundle);
      if (status >= 200 && status < 300) endpoint.received.push({ at: Date.now(), headers: request.headers, bundle, ...describeNotification(bundle) });
      response.statusCode = status;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  return endpoint;
}
