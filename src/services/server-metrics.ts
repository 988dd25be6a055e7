/**
 * The server's Prometheus metrics (GET /metrics). Each app has a registry of its own, so several
 * apps in one process (the tests) do not collide; the process metrics (CPU, memory, event loop,
 * garbage collection) come from one registry the whole process shares, as they are the process's.
 * The services report through plain functions (a StoreTimer, a delivery and a rejection recorder)
 * and know nothing of Prometheus or HTTP.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StoreOperation } from '../store/timed-store.js';
import type { Store } from '../store/types.js';
import { answerWithin } from './answer-within.js';
import { OUTBOX_COLLECTION, type OutboxItem } from './subscriptions/outbox.js';
import type { DeliveryResult } from './subscriptions/subscription-dispatcher.js';

const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const DELIVERY_RESULTS: readonly DeliveryResult[] = ['delivered', 'retry', 'failed', 'blocked'];
/** A scrape does not wait longer than this for the outbox count. */
const OUTBOX_COUNT_TIMEOUT_MS = 2000;

let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface MetricsSources {
  /** Where the outbox is, its pending items counted at each scrape. */
  store: Store;
  log: { warn(details: object, message: string): void };
}

export class ServerMetrics {
  private readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'fhir_http_requests_total', help: 'HTTP requests under the FHIR base, by REST interaction and response status',
    labelNames: ['interaction', 'status'] as const, registers: [this.registry],
  });
  private readonly requestDuration = new Histogram({
    name: 'fhir_http_request_duration_seconds', help: 'Time from request to response under the FHIR base, by REST interaction',
    labelNames: ['interaction'] as const, registers: [this.registry],
  });
  private readonly storeDuration = new Histogram({
    name: 'fhir_store_operation_duration_seconds', help: 'Store operations: whole transactions, collection calls and flushes',
    labelNames: ['operation'] as const, buckets: STORE_BUCKETS, registers: [this.registry],
  });
  private readonly deliveries = new Counter({
    name: 'fhir_outbox_deliveries_total', help: 'Outbox events by delivery outcome: delivered, retry (scheduled again), failed (gave up), blocked',
    labelNames: ['result'] as const, registers: [this.registry],
  });
  private readonly validationFailures = new Counter({
    name: 'fhir_validation_failures_total', help: 'Writes refused by validation (422, VALIDATION=strict), by resource type',
    labelNames: ['resource_type'] as const, registers: [this.registry],
  });

  constructor({ store, log }: MetricsSources) {
    const outbox = store.collection<OutboxItem>(OUTBOX_COLLECTION);
    for (const result of DELIVERY_RESULTS) this.deliveries.inc({ result }, 0);
    new Gauge({
      name: 'fhir_outbox_pending', help: 'Subscription outbox events waiting for delivery (counted at each scrape)', registers: [this.registry],
      async collect() {
        try {
          this.set(await answerWithin(outbox.countDocuments({ status: 'pending' }), OUTBOX_COUNT_TIMEOUT_MS));
        } catch (err) {
          log.warn({ err }, 'could not count the outbox for /metrics; reporting the last count');
        }
      },
    });
  }

  readonly contentType = this.registry.contentType;

  recordRequest(interaction: string, status: number, seconds: number): void {
    this.requests.inc({ interaction, status: String(status) });
    this.requestDuration.observe({ interaction }, seconds);
  }

  readonly observeStore = (operation: StoreOperation, seconds: number): void => {
    this.storeDuration.observe({ operation }, seconds);
  };

  readonly recordDelivery = (result: DeliveryResult, events: number): void => {
    this.deliveries.inc({ result }, events);
  };

  readonly recordRejection = (resourceType: string): void => {
    this.validationFailures.inc({ resource_type: resourceType });
  };

  /** The exposition text: the process's metrics, then this server's. */
  async render(): Promise<string> {
    return (await processMetrics().metrics()) + (await this.registry.metrics());
  }
}
