import { parseArgs } from 'node:util';
import { UsageError } from '../../import/options.js';
import { DEV_ROLES, DEV_ROLE_NAMES, type DevRoleName } from './roles.js';

export { UsageError };

export const DEFAULT_DIR = './data/auth';
export const DEFAULT_ISSUER = 'urn:egisz-fhir-server:dev-issuer';
export const DEFAULT_AUDIENCE = 'http://localhost:8080/fhir';
const DEFAULT_TTL = 3600;
const MAX_TTL = 30 * 24 * 3600;

export const USAGE = `Usage: npm run token -- <command> [options]

Development tokens: a local ES256 key stands in for the token issuer. Not for production.

Commands:
  init [--dir ${DEFAULT_DIR}]
        makes an ES256 key: <dir>/dev-private-key.pem (mode 0600) and <dir>/dev-jwks.json, the public
        key set for the server's AUTH_JWKS_FILE; an existing key is kept and its key set written again
  mint --role clinic|lab|cabinet|auditor [options]
        prints a signed JWT (an access token) with the role's SMART scopes:
          clinic   user/Patient, Observation, DiagnosticReport, Consent .cruds, user/Organization.rs
                   (--organization required)
          lab      system/DiagnosticReport.cru system/Observation.cru system/Patient.crs
                   system/Organization.crs (--organization required; create covers the
                   conditional creates of a lab's transaction)
          cabinet  patient/*.rs patient/Subscription.cruds (--patient required)
          auditor  system/AuditEvent.rs
        --patient <id>          the patient a cabinet token is for
        --organization <id>     the organization a clinic or lab token acts for (id or Organization/<id>)
        --client <id>           client_id and sub (default dev-<role>)
        --ttl <seconds>         lifetime (default ${DEFAULT_TTL}, at most ${MAX_TTL})
        --dir <dir>             where init put the key (default ${DEFAULT_DIR})
        --issuer <iss>          default ${DEFAULT_ISSUER} (the server's AUTH_ISSUER)
        --audience <aud>        default ${DEFAULT_AUDIENCE} (the server's FHIR base or AUTH_AUDIENCE)
  help  this text

Exit code: 0 done, 1 failed (the reason on one line), 2 bad command line.`;

export interface MintRequest {
  role: DevRoleName;
  patient?: string;
  organization?: string;
  client: string;
  ttlSeconds: number;
  dir: string;
  issuer: string;
  audience: string;
}

export type DevTokenCommand = { command: 'help' } | { command: 'init'; dir: string } | ({ command: 'mint' } & MintRequest);

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

const FLAGS = {
  role: { type: 'string' },
  patient: { type: 'string' },
  organization: { type: 'string' },
  client: { type: 'string' },
  ttl: { type: 'string' },
  dir: { type: 'string' },
  issuer: { type: 'string' },
  audience: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof FLAGS }>>['values'];

function parsed(argv: string[]): { flags: Flags; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: true });
    return { flags: values, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function roleOf(raw: string | undefined): DevRoleName {
  if (!raw) throw new UsageError('--role is required');
  if (!(DEV_ROLE_NAMES as string[]).includes(raw)) throw new UsageError(`--role must be one of ${DEV_ROLE_NAMES.join(', ')}, got "${raw}"`);
  return raw as DevRoleName;
}

function ttlOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_TTL;
  const seconds = Number(raw);
  if (!/^\d+$/.test(raw) || seconds < 1 || seconds > MAX_TTL) throw new UsageError(`--ttl must be a whole number of seconds from 1 to ${MAX_TTL}, got "${raw}"`);
  return seconds;
}

/** The id of `--<flag>`, given as an id or as `<type>/<id>`; present exactly when the role is bound to it. */
function contextId(role: DevRoleName, flag: 'patient' | 'organization', raw: string | undefined, type: string): string | undefined {
  const bound = (DEV_ROLES[role] as { context?: string }).context === flag;
  if (!bound && raw !== undefined) throw new UsageError(`--${flag} is not for the ${role} role`);
  if (!bound) return undefined;
  if (!raw) throw new UsageError(`the ${role} role needs --${flag}`);
  const id = raw.replace(new RegExp(`^${type}/`), '');
  if (!FHIR_ID.test(id)) throw new UsageError(`--${flag} must be a FHIR id (letters, digits, '-', '.'), got "${raw}"`);
  return id;
}

function mintCommand(flags: Flags): DevTokenCommand {
  const role = roleOf(flags.role);
  return {
    command: 'mint',
    role,
    patient: contextId(role, 'patient', flags.patient, 'Patient'),
    organization: contextId(role, 'organization', flags.organization, 'Organization'),
    client: flags.client || `dev-${role}`,
    ttlSeconds: ttlOf(flags.ttl),
    dir: flags.dir || DEFAULT_DIR,
    issuer: flags.issuer || DEFAULT_ISSUER,
    audience: flags.audience || DEFAULT_AUDIENCE,
  };
}

function initCommand(flags: Flags): DevTokenCommand {
  const other = Object.keys(flags).find((name) => name !== 'dir');
  if (other) throw new UsageError(`--${other} is not for init`);
  return { command: 'init', dir: flags.dir || DEFAULT_DIR };
}

/** The command line, checked; a mistake is a UsageError naming it. */
export function parseDevTokenArguments(argv: string[]): DevTokenCommand {
  const { flags, positionals } = parsed(argv);
  const [command, unexpected] = positionals;
  if (flags.help || command === 'help') return { command: 'help' };
  if (unexpected !== undefined) throw new UsageError(`unexpected argument "${unexpected}"`);
  if (command === 'init') return initCommand(flags);
  if (command === 'mint') return mintCommand(flags);
  throw new UsageError(command === undefined ? 'give a command' : `unknown command "${command}"`);
}
