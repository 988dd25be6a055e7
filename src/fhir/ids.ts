import { randomUUID } from 'node:crypto';
import { FhirError } from './errors.js';

const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;
const VERSION_PATTERN = /^[1-9][0-9]{0,15}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

export function assertValidId(id: string): void {
  if (!isValidId(id)) throw new FhirError('FHIR_ERR_ID_INVALID', [id.slice(0, 80)]);
}

export function parseVersionId(vid: string): number {
  if (!VERSION_PATTERN.test(vid)) throw new FhirError('FHIR_ERR_VERSION_INVALID', [vid.slice(0, 20)]);
  return Number(vid);
}

export function newId(): string {
  return randomUUID();
}
