/**
 * What reached the patient cabinet: per subscription the event numbers seen (gaps and duplicates
 * included), and per patient the laboratory results received (DiagnosticReport and Observation,
 * the latest version of each). Held in memory and, given a data file, written to it after every
 * notification and read back on open.
 */
import type { DiagnosticReport, FhirResource, Observation } from 'fhir/r4.js';
import { readDataFile, writeDataFile } from './data-file.js';
import { EventSequence, type EventSequenceState } from './event-sequence.js';
import type { ReceivedEvent, ReceivedNotification } from './notification-reading.js';

export type LabResult = DiagnosticReport | Observation;

export interface SubscriptionReport {
  lastEventNumber: number;
  missing: number[];
  duplicates: number;
  received: number;
  /** The focus of each id-only event: the resource itself is for the cabinet to read from the server. */
  idOnlyFocus: string[];
}

export interface RecordOutcome {
  /** The event numbers first seen in this notification. */
  newEvents: number[];
  duplicates: number[];
  missing: number[];
}

interface SubscriptionLog {
  sequence: EventSequence;
  idOnlyFocus: string[];
}

interface StoredData {
  subscriptions: Record<string, { sequence: EventSequenceState; idOnlyFocus: string[] }>;
  /** Patient id → focus (`Observation/1`) → the latest version received. */
  results: Record<string, Record<string, LabResult>>;
}

function isLabResult(resource: FhirResource): resource is LabResult {
  return resource.resourceType === 'DiagnosticReport' || resource.resourceType === 'Observation';
}

/** `Patient/123`, absolute or versioned, gives `123`; a subject that is not a Patient gives nothing. */
export function patientIdOf(reference: string | undefined): string | undefined {
  return reference?.match(/(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/)?.[1];
}

function versionOf(result: LabResult): number {
  const version = Number(result.meta?.versionId);
  return Number.isFinite(version) ? version : 0;
}

export class CabinetStore {
  private readonly subscriptions = new Map<string, SubscriptionLog>();
  private readonly results = new Map<string, Map<string, LabResult>>();

  private constructor(private readonly dataFile: string | undefined) {}

  /** A store in memory, or one kept in `dataFile` (read now if it exists). */
  static open(dataFile?: string): CabinetStore {
    const store = new CabinetStore(dataFile);
    const data = dataFile ? (readDataFile(dataFile) as StoredData | undefined) : undefined;
    if (data) store.load(data);
    return store;
  }

  record(notification: ReceivedNotification): RecordOutcome {
    const log = this.logOf(notification.subscription);
    const newEvents: number[] = [];
    const duplicates: number[] = [];
    for (const event of notification.events) {
      if (!log.sequence.observe(event.eventNumber)) {
        duplicates.push(event.eventNumber);
        continue;
      }
      newEvents.push(event.eventNumber);
      this.keep(event, log);
    }
    log.sequence.announce(notification.eventsSinceSubscriptionStart);
    this.save();
    return { newEvents, duplicates, missing: log.sequence.missing() };
  }

  status(): Record<string, SubscriptionReport> {
    const report: Record<string, SubscriptionReport> = {};
    for (const [subscription, { sequence, idOnlyFocus }] of this.subscriptions) {
      report[subscription] = { lastEventNumber: sequence.last, missing: sequence.missing(), duplicates: sequence.duplicates, received: sequence.received, idOnlyFocus: [...idOnlyFocus] };
    }
    return report;
  }

  resultsOf(patientId: string): LabResult[] {
    return [...(this.results.get(patientId)?.values() ?? [])];
  }

  private logOf(subscription: string): SubscriptionLog {
    let log = this.subscriptions.get(subscription);
    if (!log) {
      log = { sequence: new EventSequence(), idOnlyFocus: [] };
      this.subscriptions.set(subscription, log);
    }
    return log;
  }

  private keep(event: ReceivedEvent, log: SubscriptionLog): void {
    if (!event.resource) {
      log.idOnlyFocus.push(event.focus);
      return;
    }
    if (!isLabResult(event.resource)) return;
    const patientId = patientIdOf(event.resource.subject?.reference);
    if (!patientId) return;
    let results = this.results.get(patientId);
    if (!results) this.results.set(patientId, (results = new Map()));
    const held = results.get(event.focus);
    // Events may arrive out of order: an older version does not replace a newer one.
    if (!held || versionOf(event.resource) >= versionOf(held)) results.set(event.focus, event.resource);
  }

  private load(data: StoredData): void {
    for (const [subscription, log] of Object.entries(data.subscriptions)) {
      this.subscriptions.set(subscription, { sequence: new EventSequence(log.sequence), idOnlyFocus: log.idOnlyFocus });
    }
    for (const [patientId, results] of Object.entries(data.results)) this.results.set(patientId, new Map(Object.entries(results)));
  }

  private save(): void {
    if (!this.dataFile) return;
    const data: StoredData = { subscriptions: {}, results: {} };
    for (const [subscription, log] of this.subscriptions) data.subscriptions[subscription] = { sequence: log.sequence.state(), idOnlyFocus: log.idOnlyFocus };
    for (const [patientId, results] of this.results) data.results[patientId] = Object.fromEntries(results);
    writeDataFile(this.dataFile, data);
  }
}
