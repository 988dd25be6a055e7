/**
 * The lab's own Organization as the server has it registered: organization.ndjson, the file
 * `npm run import` loads before the lab posts. A lab token may write only inside its
 * organization, so the lab cannot create this record itself (a created one gets a new id):
 * the results Bundle only matches it, by its ФРМО identifier.
 */
import type { Organization } from 'fhir/r4.js';
import { readFileSync } from 'node:fs';

export const FRMO = 'urn:oid:1.2.643.5.1.13.13.11.1461';

const ORGANIZATION_FILE = new URL('./organization.ndjson', import.meta.url);

export function labOrganization(): Organization {
  return JSON.parse(readFileSync(ORGANIZATION_FILE, 'utf8')) as Organization;
}

/** The ФРМО identifier a conditional create matches the Organization by: `identifier=<system>|<OID>`. */
export function frmoCriteria(organization: Organization): string {
  const frmo = organization.identifier?.find((identifier) => identifier.system === FRMO)?.value;
  if (!frmo) throw new Error(`the lab Organization has no ФРМО identifier (${FRMO})`);
  return `identifier=${FRMO}|${frmo}`;
}
