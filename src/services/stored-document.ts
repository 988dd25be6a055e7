import type { Resource } from 'fhir/r4.js';
import type { IndexEntries } from '../search/index.js';

/** The current version of a resource, one per id, in the collection named after its type. */
export interface CurrentDocument {
  _id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  /** The resource as JSON text (null for a delete): read back and sent without re-serialising. */
  json: string | null;
  idx: IndexEntries;
  sk?: Record<string, unknown>;
  /**
   * The id of the patient the resource is about (null: none), beside the index entries it comes
   * from so that a read, which leaves those out, names it in its AuditEvent. Absent in documents
   * written before it was kept.
   */
  patient?: string | null;
  /**
   * What the resource's organization element refers to (organization-elements.ts; null for a type
   * without one), kept beside the index entries so that a read by a client limited to an
   * organization is judged without them. Absent in documents written before it was kept.
   */
  organizations?: string[] | null;
  [key: string]: unknown;
}

export type HistoryMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Every version of every resource, in one `history` collection so system-level history is one query.
 * The latest version of a live resource keeps its body only in the current document (`current: true`,
 * `json: null`); a write that supersedes it moves the body here, so each version is stored once.
 */
export interface HistoryDocument {
  _id: string;
  type: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  method: HistoryMethod;
  json: string | null;
  current?: boolean;
  [key: string]: unknown;
}

export const HISTORY_COLLECTION = 'history';
export const CONDITIONAL_LOCKS_COLLECTION = 'conditional_locks';

export function historyKey(type: string, id: string, versionId: number): string {
  return `${type}/${id}/${versionId}`;
}

/** A stored version as the client sees it: the resource, or a tombstone for a delete. */
export interface Version {
  type: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  method?: HistoryMethod;
  json: string | null;
  /** The id of the patient the version is about, when it was read with its index entries (the audit log names it). */
  patient?: string;
}

/** The resource of a version that is not a delete. */
export function resourceOf(version: { json: string | null }): Resource {
  return JSON.parse(version.json!) as Resource;
}

export function versionOf(type: string, doc: CurrentDocument): Version {
  const version: Version = { type, id: doc._id, versionId: doc.versionId, lastUpdated: doc.lastUpdated, deleted: doc.deleted, json: doc.json };
  // a document written before the patient was kept beside its index entries finds it in them
  const patient = doc.patient === undefined ? patientOfEntries(type, doc._id, doc.idx) : doc.patient;
  if (patient) version.patient = patient;
  return version;
}

/** The id of the patient a stored resource is about, from its index entries: itself, or its subject or patient. */
export function patientOfEntries(type: string, id: string, idx: IndexEntries | undefined): string | undefined {
  if (type === 'Patient') return id;
  for (const entry of idx?.reference ?? []) {
    if ((entry.p === 'subject' || entry.p === 'patient') && entry.r?.startsWith('Patient/')) return entry.r.slice('Patient/'.length);
  }
  return undefined;
}

export function versionOfHistory(doc: HistoryDocument): Version {
  return {
    type: doc.type, id: doc.id, versionId: doc.versionId, lastUpdated: doc.lastUpdated,
    deleted: doc.deleted, method: doc.method, json: doc.json,
  };
}
