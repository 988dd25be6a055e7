/**
 * A rest-hook POST against a real local endpoint: the body and headers it sends, and what an
 * attempt records for a 2xx, a refusal, an endpoint that never answers and one nobody listens on.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle } from 'fhir/r4.js';
import t from 'tap';
import { postNotification } from '../../src/services/subscriptions/endpoint-post.ts';

const bundle: Bundle = { resourceType: 'Bundle', type: 'history', entry: [{ resource: { resourceType: 'Parameters', id: 'Результат' } }] };

t.test('postNotification', async (t) => {
  const seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      seen.push({ url: request.url!, headers: request.headers, body });
      if (request.url === '/silent') return; // never answers
      response.statusCode = request.url === '/busy' ? 503 : 200;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const delivered = await postNotification(`${base}/notify`, [['authorization', 'Bearer cabinet']], bundle, 2000);
  t.match(delivered, { ok: true, httpStatus: 200 });
  t.equal(delivered.error, undefined);
  t.same(JSON.parse(seen[0]!.body), bundle, 'the bundle as JSON, UTF-8 intact');
  t.equal(seen[0]!.headers['content-type'], 'application/fhir+json');
  t.equal(seen[0]!.headers.authorization, 'Bearer cabinet', "the subscription's own headers go along");

  t.match(await postNotification(`${base}/busy`, [], bundle, 2000), { ok: false, httpStatus: 503, error: 'HTTP 503' });

  const silent = await postNotification(`${base}/silent`, [], bundle, 200);
  t.match(silent, { ok: false, error: 'no answer within 200 ms' });
  t.equal(silent.httpStatus, undefined);
  t.ok(silent.durationMs >= 190 && silent.durationMs < 2000, `gave up after the timeout (${silent.durationMs} ms)`);

  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  t.match(await postNotification(`http://127.0.0.1:${port}/notify`, [], bundle, 2000), { ok: false, error: /ECONNREFUSED/ });
});
