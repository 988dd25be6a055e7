import { writeFileSync } from 'node:fs';
import { generateKeyPair, type KeyKind } from '../services/signing/certificate-builder.js';
import { SigningSetupError, readFailure } from '../services/signing/signing-setup-error.js';

/** `generate-key`: a new private key in PKCS#8 PEM, readable by its owner only; an existing file is left alone. */
export async function generateKeyFile(type: KeyKind, bits: number, out: string): Promise<string> {
  const { privateKey } = await generateKeyPair(type, bits);
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  try {
    writeFileSync(out, pem, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'EEXIST' ? 'the file exists; not overwriting it' : readFailure(err);
    throw new SigningSetupError(`Cannot write ${out}: ${reason}`);
  }
  return `Wrote a new ${type === 'rsa' ? `RSA ${bits}-bit` : 'ECDSA P-256'} private key to ${out} (PKCS#8 PEM, mode 0600)\n`;
}
