/**
 * The command-line side of the example scripts: run only when the file is the one node was
 * started with, FHIR_BASE and FHIR_TOKEN from the environment, what the script did on stdout,
 * and a refusal of the server as one line with the OperationOutcome's text (exit 1).
 */
import type { OperationOutcome } from 'fhir/r4.js';
import { pathToFileURL } from 'node:url';
import { runCommand } from '../../src/cli/run-command.js';
import { UsageError } from '../../src/import/options.js';

export { UsageError };

/** Where to reach the server and as whom. */
export interface ServerAccess {
  baseUrl: string;
  token: string;
}

/** A FHIR server's error answer, as fhir-kit-client throws it. */
interface ServerAnswer {
  response: { status: number; data: unknown };
}

/** A refusal of the server, or no server at all, said in one line. */
class ServerRefusal extends Error {}

export function isRunDirectly(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;
}

export function requiredEnv(name: string, meaning: string): string {
  const value = process.env[name];
  if (!value) throw new UsageError(`${name} must be set: ${meaning}`);
  return value;
}

function isServerAnswer(err: unknown): err is ServerAnswer {
  return typeof (err as ServerAnswer | undefined)?.response?.status === 'number';
}

/** fetch's failure to connect: a TypeError whose cause says why (ECONNREFUSED, ENOTFOUND...). */
function isUnreachable(err: unknown): err is TypeError {
  return err instanceof TypeError && err.cause instanceof Error;
}

/** HTTP 403: <what each OperationOutcome issue says>. */
function refusalOf({ response }: ServerAnswer): ServerRefusal {
  const outcome = response.data as OperationOutcome | undefined;
  const issues = (outcome?.issue ?? []).map((issue) => issue.diagnostics ?? issue.details?.text ?? issue.code);
  const said = issues.length > 0 ? issues.join('; ') : typeof response.data === 'string' ? response.data.slice(0, 300) : 'no OperationOutcome';
  return new ServerRefusal(`the server answered HTTP ${response.status}: ${said}`);
}

/**
 * When `moduleUrl` is the file node runs: `work` with the server access from FHIR_BASE and
 * FHIR_TOKEN, its text on stdout; the exit code says how it went (run-command.ts).
 */
export async function runWhenDirect(moduleUrl: string, name: string, usage: string, work: (access: ServerAccess) => Promise<string>): Promise<void> {
  if (!isRunDirectly(moduleUrl)) return;
  process.exitCode = await runCommand({ name, usage, expected: (err) => err instanceof ServerRefusal }, async () => {
    const access = {
      baseUrl: requiredEnv('FHIR_BASE', 'the server FHIR base URL, e.g. http://localhost:8080/fhir'),
      token: requiredEnv('FHIR_TOKEN', 'a bearer token, e.g. from npm run token -- mint'),
    };
    try {
      return await work(access);
    } catch (err) {
      if (isServerAnswer(err)) throw refusalOf(err);
      if (isUnreachable(err)) throw new ServerRefusal(`cannot reach ${access.baseUrl}: ${(err.cause as Error).message}`);
      throw err;
    }
  });
}
