/**
 * The yardstick: a bare Fastify server with routes that answer a JSON body of the same size as
 * the FHIR server's, doing no storage work. Started by bench/rest.ts as its own process.
 */
import Fastify from 'fastify';

const body = JSON.parse(process.env.BARE_BODY ?? '{}') as object;
const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
app.addContentTypeParser('application/fhir+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
app.get('/bare/:id', async () => body);
app.post('/bare', async (request, reply) => reply.code(201).send(request.body));
app.put('/bare/:id', async (request) => request.body);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }));
