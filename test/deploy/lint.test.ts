/**
 * The deployment files: the Dockerfile and docker-compose.yml pass their linters, and hold what the
 * deployment relies on (non-root user, the /healthz check, both compose profiles, MongoDB healthy
 * before the servers, nginx's body limit equal to the server's). No container engine is needed.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../support/server.js';

const PROJECT = new URL('../..', import.meta.url).pathname;
const read = (file: string) => readFileSync(join(PROJECT, file), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions after its last FROM (the image that runs), continuation lines joined. */
function runtimeStage(dockerfile: string): Instruction[] {
  const instructions = dockerfile.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => ({ keyword: line.split(/\s+/)[0]!.toUpperCase(), args: line.replace(/^\S+\s*/, '') }));
  const lastFrom = instructions.map((instruction) => instruction.keyword).lastIndexOf('FROM');
  return instructions.slice(lastFrom);
}

interface ComposeService {
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  command?: string[];
  healthcheck?: { test: string[] };
  volumes?: string[];
}

const stage = runtimeStage(read('Dockerfile'));
const services = (parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> }).services;

for (const [linter, file] of [['dockerfilelint', 'Dockerfile'], ['dclint', 'docker-compose.yml']] as const) {
  const bin = join(PROJECT, 'node_modules', '.bin', linter);
  t.test(`${linter} passes ${file}`, { skip: existsSync(bin) ? false : `${linter} is not installed (npm ci installs it)` }, async (t) => {
    const run = spawnSync(bin, [file], { cwd: PROJECT, encoding: 'utf8' });
    t.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  });
}

t.test('the image runs production dependencies as a non-root user with its data on a volume', async (t) => {
  const values = (keyword: string) => stage.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);
  t.equal(values('FROM')[0], 'node:20-bookworm-slim');
  const user = values('USER').at(-1);
  t.ok(user && !['root', '0'].includes(user.split(':')[0]!), `runs as ${user}`);
  t.match(values('ENV').join(' '), /\bNODE_ENV=production\b/);
  t.match(values('ENV').join(' '), /\bDATA_DIR=\/data\b/);
  t.match(values('VOLUME').join(' '), /"\/data"/);
  t.same(values('EXPOSE'), ['8080']);
  for (const copied of ['node_modules', 'src', 'profiles', 'conformance']) t.ok(values('COPY').some((args) => args.split(/\s+/).includes(copied) || args.includes(`/app/${copied}`)), `copies ${copied}`);
  const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
  t.ok(pkg.dependencies.tsx, 'tsx, which the CMD imports, is a production dependency');
});

t.test('the image healthcheck asks GET /healthz, which answers without a token', async (t) => {
  const healthcheck = stage.find((instruction) => instruction.keyword === 'HEALTHCHECK')!;
  const command = JSON.parse(healthcheck.args.slice(healthcheck.args.indexOf('CMD') + 3)) as string[];
  t.match(command.join(' '), "'/healthz'");
  const server = await startServer({ auth: loadConfig({}).auth });
  t.teardown(() => server.close());
  const port = new URL(server.base).port;
  // as the container runs it: node with PORT set, and nothing else of ours in the environment
  const check = () => new Promise<number>((resolve) => {
    execFile(process.execPath, command.slice(1), { env: { PORT: port }, timeout: 10_000 }, (err) => resolve(err ? Number((err as { code?: number }).code) : 0));
  });
  t.equal(command[0], 'node');
  t.equal(await check(), 0, 'healthy while the server answers (auth on)');
  await server.close();
  t.equal(await check(), 1, 'unhealthy once it is gone');
});

t.test('compose: the default profile is one server on a single-node replica set, healthy before the server starts', async (t) => {
  const always = Object.keys(services).filter((name) => !services[name]!.profiles).sort();
  t.same(always, ['fhir', 'mongo']);
  t.same(services.fhir!.depends_on, { mongo: { condition: 'service_healthy' } });
  t.equal(services.fhir!.environment!.MONGODB_URI, 'mongodb://mongo:27017/fhir?replicaSet=rs0');
  t.same(services.mongo!.command, ['mongod', '--replSet', 'rs0', '--bind_ip_all']);
  t.match(services.mongo!.healthcheck!.test.join(' '), '/scripts/mongo-init.js');
  t.match(read('deploy/mongo-init.js'), /rs\.initiate\(\{ _id: 'rs0'/);
});

t.test('compose: the scale profile adds two members, a second server sharing DATA_DIR, and nginx in front', async (t) => {
  const scale = Object.keys(services).filter((name) => services[name]!.profiles?.includes('scale')).sort();
  t.same(scale, ['fhir2', 'mongo-join', 'mongo2', 'mongo3', 'nginx']);
  t.same(services.fhir2!.depends_on, { fhir: { condition: 'service_healthy' }, mongo: { condition: 'service_healthy' } });
  t.same(services.fhir2!.volumes, services.fhir!.volumes, 'the servers share the development keys');
  t.same(services.nginx!.depends_on, { fhir: { condition: 'service_healthy' }, fhir2: { condition: 'service_healthy' } });
  for (const member of ['mongo2', 'mongo3']) t.match(read('deploy/mongo-join.js'), `'${member}:27017'`);
  const nginx = read('deploy/nginx.conf');
  t.match(nginx, /server fhir:8080;\s+server fhir2:8080;/);
  t.match(nginx, /proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
  const bodyLimit = /client_max_body_size (\d+)m;/.exec(nginx)?.[1];
  t.equal(Number(bodyLimit) * 1024 * 1024, loadConfig({}).bodyLimit, "nginx's body limit is the server's BODY_LIMIT");
});
