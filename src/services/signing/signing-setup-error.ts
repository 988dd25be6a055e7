import { readFileSync } from 'node:fs';

/** Why the server's signing key, its chain or its trust store cannot be used; the message names the file and the problem. */
export class SigningSetupError extends Error {}

/** The reason of a failed file read, worded for an operator (ENOENT is "no such file", not an errno). */
export function readFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return (err as Error).message;
}

/** The content of a file the signing setup needs; `what` says what it was meant to hold ("the signing key file"). */
export function readSetupFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new SigningSetupError(`Cannot read ${what} ${path}: ${readFailure(err)}`);
  }
}
