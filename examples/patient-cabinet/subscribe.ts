/**
 * The patient cabinet subscribing to its patient's final lab reports with fhir-kit-client: a
 * rest-hook Subscription whose notifications go to the cabinet's receiver (receiver.ts, run by
 * main.ts). Deliveries start once the patient has an active Consent to share results.
 *
 *   FHIR_BASE=http://localhost:8080/fhir FHIR_TOKEN=<cabinet token> PATIENT_ID=<id> \
 *   NOTIFICATION_ENDPOINT=http://127.0.0.1:8090/notifications node --import tsx examples/patient-cabinet/subscribe.ts
 */
import type { Subscription } from 'fhir/r4.js';
import { asResource, connect, requestBody } from '../shared/fhir-connection.js';
import { requiredEnv, runWhenDirect } from '../shared/script-entry.js';

/** The criteria of the cabinet's subscription: `patientId`'s DiagnosticReports once they are final. */
export function finalReportsCriteria(patientId: string): string {
  return `DiagnosticReport?patient=Patient/${patientId}&status=final`;
}

/** Subscribes the token's patient `patientId`; `endpoint` receives the notification Bundles. The server's answer. */
export async function subscribe(baseUrl: string, token: string, patientId: string, endpoint: string): Promise<Subscription> {
  const subscription: Subscription = {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'Результаты анализов в личный кабинет пациента',
    criteria: finalReportsCriteria(patientId),
    channel: { type: 'rest-hook', endpoint, payload: 'application/fhir+json' },
  };
  return asResource<Subscription>(await connect(baseUrl, token).create({ resourceType: 'Subscription', body: requestBody(subscription) }));
}

export function describeSubscription(subscription: Subscription): string {
  return [
    `Subscription/${subscription.id}  status ${subscription.status}`,
    `  criteria  ${subscription.criteria}`,
    `  endpoint  ${subscription.channel.endpoint} (${subscription.channel.type}, ${subscription.channel.payload ?? 'no payload'})`,
    '',
  ].join('\n');
}

const USAGE = `Usage: FHIR_BASE=<base> FHIR_TOKEN=<cabinet token> PATIENT_ID=<id> NOTIFICATION_ENDPOINT=<url> node --import tsx examples/patient-cabinet/subscribe.ts

Subscribes the patient (the token's patient claim: npm run token -- mint --role cabinet --patient <id>) to
final DiagnosticReports, delivered to NOTIFICATION_ENDPOINT (the cabinet receiver's /notifications).`;

await runWhenDirect(import.meta.url, 'subscribe', USAGE, async ({ baseUrl, token }) => {
  const patientId = requiredEnv('PATIENT_ID', "the id of the cabinet's patient (the token's patient claim)");
  const endpoint = requiredEnv('NOTIFICATION_ENDPOINT', 'where notifications go, e.g. http://127.0.0.1:8090/notifications');
  return describeSubscription(await subscribe(baseUrl, token, patientId, endpoint));
});
