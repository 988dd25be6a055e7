import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createCsr } from '../services/signing/certificate-builder.js';
import { readPrivateKeyFile } from '../services/signing/pem-key-material.js';
import { signatureAlgorithmOf } from '../services/signing/signature-algorithms.js';
import { SigningSetupError, readFailure } from '../services/signing/signing-setup-error.js';
import { UsageError } from './options.js';

/** One attribute (or several joined by "+") with a value; a comma inside a value is written "\\,". */
const RDN = /^(?:[A-Za-z][\w-]*|\d+(?:\.\d+)+)\s*=\s*\S/;

/** @peculiar/x509 skips what it cannot read ("garbage" is an empty name), so each part is checked first. */
function checkedSubject(subject: string): string {
  const bad = subject.split(/(?<!\\),/).map((part) => part.trim()).find((part) => !RDN.test(part));
  const problem = bad !== undefined ? `"${bad}" is not an attribute=value pair` : unknownAttribute(subject);
  if (problem) throw new UsageError(`--subject must be a distinguished name such as "CN=Lab, O=Clinic, C=RU": ${problem}`);
  return subject;
}

function unknownAttribute(subject: string): string | undefined {
  try {
    new x509.Name(subject);
    return undefined;
  } catch {
    return 'an attribute type is not known (CN, O, OU, L, ST, C, E and dotted OIDs such as 1.2.643.100.1 are)';
  }
}

/** `csr`: a PKCS#10 request for the key (RSA 2048+ or ECDSA P-256, the keys the server signs with), in PEM. */
export async function certificateRequest(keyFile: string, subject: string, out: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  const name = checkedSubject(subject);
  const privateKey = readPrivateKeyFile(keyFile, env.SIGNING_KEY_PASSWORD || undefined);
  try {
    signatureAlgorithmOf(privateKey);
  } catch (err) {
    throw new SigningSetupError(`The key in ${keyFile} cannot sign for the server: ${(err as Error).message}`);
  }
  const pem = await createCsr(name, { privateKey, publicKey: createPublicKey(privateKey) });
  if (!out) return pem.endsWith('\n') ? pem : `${pem}\n`;
  try {
    writeFileSync(out, pem);
  } catch (err) {
    throw new SigningSetupError(`Cannot write ${out}: ${readFailure(err)}`);
  }
  return `Wrote the certificate request for ${name} to ${out}\n`;
}
