/**
 * Data of the search benchmark: Patients with valid SNILS and, for each, lab Observations of
 * ten ФСЛИ codes spread over two years. Written through the same write path as a create
 * (current document + history in one transaction), many resources per transaction.
 */
import type { Observation, Patient } from 'fhir/r4.js';
import { newId } from '../src/fhir/ids.js';
import type { Repository } from '../src/services/repository.js';
import type { CurrentDocument } from '../src/services/stored-document.js';
import { writeVersion } from '../src/services/write-version.js';
import type { Store } from '../src/store/types.js';
import { observation } from './observation.js';

/** Ten invented ФСЛИ codes: with 100 Observations per patient, each code has 10 per patient. */
export const CODES = ['1000', '1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008', '1009'];
const PER_TRANSACTION = 200;
const TWO_YEARS_MS = 2 * 365 * 24 * 3600 * 1000;
const START = Date.UTC(2023, 0, 1);

/** The SNILS of the n-th patient: nine digits from n, and the check number of EGISZ.md. */
export function snilsOf(n: number): string {
  const digits = String(2_000_000 + n).padStart(9, '0');
  const sum = [...digits].reduce((s, d, i) => s + Number(d) * (9 - i), 0);
  const check = sum < 100 ? sum : sum === 100 || sum === 101 ? 0 : (sum % 101) % 100;
  return digits + String(check).padStart(2, '0');
}

function patient(n: number): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: 'urn:oid:1.2.643.100.3', value: snilsOf(n) }],
    name: [{ family: `Пациентов${n}`, given: ['Иван', 'Иванович'] }],
    gender: n % 2 ? 'male' : 'female',
    birthDate: '1980-04-12',
  };
}

function labResult(patientId: string, i: number): Observation {
  const effective = new Date(START + Math.floor(Math.random() * TWO_YEARS_MS)).toISOString();
  const base = observation();
  return {
    ...base,
    subject: { reference: `Patient/${patientId}` },
    code: { coding: [{ ...base.code.coding![0]!, code: CODES[i % CODES.length] }] },
    effectiveDateTime: effective,
    issued: effective,
  };
}

async function writeAll(store: Store, type: string, resources: Iterable<{ id: string; resource: Patient | Observation }>): Promise<void> {
  let batch: { id: string; resource: Patient | Observation }[] = [];
  const flush = async () => {
    const pending = batch;
    batch = [];
    await store.withTransaction(async (session) => {
      for (const { id, resource } of pending) await writeVersion(store, session, type, id, null, resource, 'POST');
    });
  };
  for (const item of resources) {
    batch.push(item);
    if (batch.length === PER_TRANSACTION) await flush();
  }
  if (batch.length > 0) await flush();
}

/** Seeds the store when `fresh`; returns the patients' ids in SNILS order either way. */
export async function seedSearchData(store: Store, repository: Repository, patients: number, perPatient: number, fresh: boolean): Promise<string[]> {
  await repository.collections.ensureAll(['Patient', 'Observation']);
  if (fresh) {
    const started = performance.now();
    const ids = Array.from({ length: patients }, () => newId());
    await writeAll(store, 'Patient', ids.map((id, n) => ({ id, resource: patient(n) })));
    for (let from = 0; from < patients; from += 100) {
      const slice = ids.slice(from, from + 100);
      await writeAll(store, 'Observation', (function* () {
        for (let i = 0; i < perPatient; i++) for (const id of slice) yield { id: newId(), resource: labResult(id, i) };
      })());
      if (from % 1000 === 0) process.stdout.write(`\rseeded ${(from + slice.length) * perPatient} Observations`);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`\nseeded ${patients} Patients and ${patients * perPatient} Observations in ${seconds.toFixed(0)} s`);
  }
  const stored = await store.collection<CurrentDocument>('Patient').find({ deleted: false }, { sort: { _id: 1 } }).toArray();
  const bySnils = new Map(stored.map((doc) => [JSON.parse(doc.json!).identifier[0].value as string, doc._id]));
  return Array.from({ length: patients }, (_, n) => bySnils.get(snilsOf(n))!);
}
