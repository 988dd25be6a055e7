/** Input that cannot be imported at all (a missing file, a .json that is not a transaction or batch, an unreachable target): exit code 2. */
export class InputError extends Error {}
