/** Which dictionary an export is: its OID and version, from the options or else the export's passport. */
import { InputError } from '../import/input-error.js';
import type { Passport } from './dictionary-export.js';

const OID = /^[0-2](\.(0|[1-9]\d*))+$/;
/** A FHIR id is at most 64 characters, and the CodeSystem's id is the OID with dashes. */
const MAX_OID_LENGTH = 64;

export interface DictionaryIdentity {
  oid: string;
  version: string;
  title?: string;
  /** Where a value given on the command line differs from the passport's, for the summary. */
  notes: string[];
}

function chosen(name: 'oid' | 'version', given: string | undefined, passport: Passport): string {
  const value = given ?? passport[name];
  if (value === undefined || value === '') {
    throw new InputError(`the dictionary's ${name === 'oid' ? 'OID' : 'version'} is not known: the export does not state it, give --${name}`);
  }
  return value;
}

export function dictionaryIdentity(options: { oid?: string; version?: string }, passport: Passport): DictionaryIdentity {
  const oid = chosen('oid', options.oid, passport).replace(/^urn:oid:/, '');
  const version = chosen('version', options.version, passport);
  if (!OID.test(oid) || oid.length > MAX_OID_LENGTH) throw new InputError(`"${oid}" is not an OID such as 1.2.643.5.1.13.13.11.1080`);
  if (!/^\S+$/.test(version)) throw new InputError(`the version "${version}" is not a version such as 3.40`);
  const notes = (['oid', 'version'] as const)
    .filter((name) => options[name] !== undefined && passport[name] !== undefined && options[name] !== passport[name])
    .map((name) => `--${name} ${options[name]} used; the export states ${passport[name]}`);
  return { oid, version, ...(passport.title ? { title: passport.title } : {}), notes };
}
