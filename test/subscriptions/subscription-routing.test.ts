import type { Subscription } from 'fhir/r4.js';
import t from 'tap';
import { extractSearchIndex } from '../../src/search/index.js';
import type { CurrentDocument } from '../../src/services/stored-document.js';
import { definitionOf } from '../../src/services/subscriptions/subscription-definition.js';
import { SubscriptionRouting } from '../../src/services/subscriptions/subscription-routing.js';

function subscription(id: string, criteria: string) {
  return definitionOf({ resourceType: 'Subscription', id, status: 'active', reason: 'r', criteria, channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:9/x' } } as Subscription);
}

function documentOf(resource: { resourceType: string; [key: string]: unknown }): CurrentDocument {
  return { _id: 'x', versionId: 1, lastUpdated: new Date(), deleted: false, json: JSON.stringify(resource), ...extractSearchIndex(resource) } as CurrentDocument;
}

const routing = new SubscriptionRouting([
  subscription('mine', 'DiagnosticReport?patient=Patient/p1&status=final'),
  subscription('theirs', 'DiagnosticReport?patient=Patient/p2'),
  subscription('either', 'DiagnosticReport?subject=Patient/p2,Patient/p1'),
  subscription('bare-id', 'DiagnosticReport?subject=p1'),
  subscription('finals', 'DiagnosticReport?status=final'),
  subscription('by-identifier', 'DiagnosticReport?subject:identifier=urn:oid:1.2.643.100.3|08765430200'),
]);

t.test('a document meets the subscriptions filed under its references and those that require none', async (t) => {
  const report = documentOf({ resourceType: 'DiagnosticReport', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p1' } });
  t.same(routing.candidates(report).map((d) => d.id).sort(), ['bare-id', 'by-identifier', 'either', 'finals', 'mine']);
  const absolute = documentOf({ resourceType: 'DiagnosticReport', status: 'final', code: { text: 'x' }, subject: { reference: 'https://other.example/fhir/Patient/p2' } });
  t.same(routing.candidates(absolute).map((d) => d.id).sort(), ['by-identifier', 'either', 'finals', 'theirs'], 'an absolute reference is filed as Type/id');
  const nobody = documentOf({ resourceType: 'DiagnosticReport', status: 'final', code: { text: 'x' } });
  t.same(routing.candidates(nobody).map((d) => d.id).sort(), ['by-identifier', 'finals']);
});
