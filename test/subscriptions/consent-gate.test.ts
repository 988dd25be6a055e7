/**
 * The consent gate of cabinet deliveries over a real embedded store: Consents and
 * DiagnosticReports are written with the Repository and found through the API's search.
 * Each case has its own patient, so the Consents of one case never answer another.
 */
import type { Consent, DiagnosticReport } from 'fhir/r4.js';
import t from 'tap';
import { Repository } from '../../src/services/repository.js';
import { consentDecision } from '../../src/services/subscriptions/consent-gate.js';
import { SessionBoundStore } from '../../src/store/session-bound-store.js';
import { cabinetConsent, labReport } from '../validation/egisz-fixtures.js';
import { openTempStore } from '../support/temp-store.js';

const store = await openTempStore(t, 'consent-gate');
const repository = new Repository(store);
await repository.collections.ensureAll(['Consent', 'DiagnosticReport']);

/** The fixture's consent (permit from 2026-11-01, DiagnosticReport and Observation, Organization/lab1) of `patient`. */
function consentOf(patient: string, id: string, change: (c: Consent) => void = () => {}): Consent {
  const consent = { ...cabinetConsent(), id, patient: { reference: `Patient/${patient}` } };
  change(consent);
  return consent;
}

async function writeConsent(consent: Consent): Promise<void> {
  await repository.update('Consent', consent.id!, consent);
}

/** The fixture's report (performer Organization/lab1) about `patient`, as stored. */
async function reportAbout(patient: string, change: (r: DiagnosticReport) => void = () => {}): Promise<DiagnosticReport> {
  const report: DiagnosticReport = { ...labReport(), id: undefined, subject: { reference: `Patient/${patient}` } };
  change(report);
  const { version } = await repository.create(report, 'DiagnosticReport');
  return JSON.parse(version.json!) as DiagnosticReport;
}

const AT = new Date('2026-11-20T11:05:00Z');

t.test('an active Consent covering the report allows it and is named', async (t) => {
  await writeConsent(consentOf('ok', 'c-ok'));
  t.same(await consentDecision(store, await reportAbout('ok'), AT), { allowed: true, consent: 'Consent/c-ok' });
});

t.test('a patient without any Consent is refused, saying what was looked at', async (t) => {
  t.same(await consentDecision(store, await reportAbout('none'), AT), {
    allowed: false,
    reason: 'no-active-consent',
    detail: 'no active Consent of Patient/none covers DiagnosticReport from Organization/lab1 at 2026-11-20T11:05:00.000Z: '
      + 'Patient/none has no active Consent',
  });
});

t.test('inactive and rejected (revoked) Consents never allow', async (t) => {
  await writeConsent(consentOf('inactive', 'c-inactive', (c) => { c.status = 'inactive'; }));
  await writeConsent(consentOf('revoked', 'c-revoked', (c) => { c.status = 'rejected'; }));
  t.match(await consentDecision(store, await reportAbout('inactive'), AT), { allowed: false, detail: /Patient\/inactive has no active Consent/ });
  t.match(await consentDecision(store, await reportAbout('revoked'), AT), { allowed: false, detail: /Patient\/revoked has no active Consent/ });
});

t.test('revoking an allowing Consent stops the next decision', async (t) => {
  await writeConsent(consentOf('revokes', 'c-revokes'));
  const report = await reportAbout('revokes');
  t.match(await consentDecision(store, report, AT), { allowed: true });
  await writeConsent(consentOf('revokes', 'c-revokes', (c) => { c.status = 'rejected'; }));
  t.match(await consentDecision(store, report, AT), { allowed: false });
});

t.test('the provision period must contain the time', async (t) => {
  await writeConsent(consentOf('period', 'c-later', (c) => { c.provision!.period = { start: '2026-11-21' }; }));
  await writeConsent(consentOf('period', 'c-ended', (c) => { c.provision!.period = { start: '2026-01-01', end: '2026-11-20T11:04:59Z' }; }));
  const report = await reportAbout('period');
  const refused = await consentDecision(store, report, AT);
  t.match(refused, { allowed: false, reason: 'no-active-consent' });
  t.match(refused, { detail: /Consent\/c-ended \(its period 2026-01-01\.\.2026-11-20T11:04:59Z does not contain the time\)/ });
  t.match(refused, { detail: /Consent\/c-later \(its period 2026-11-21\.\.… does not contain the time\)/ });
  t.same(await consentDecision(store, report, new Date('2026-11-21T00:00:00Z')), { allowed: true, consent: 'Consent/c-later' });
});

t.test('a partial-date end lasts through its whole month', async (t) => {
  await writeConsent(consentOf('month', 'c-month', (c) => { c.provision!.period = { end: '2026-11' }; }));
  const report = await reportAbout('month');
  t.same(await consentDecision(store, report, new Date('2026-11-30T23:59:59.999Z')), { allowed: true, consent: 'Consent/c-month' });
  t.match(await consentDecision(store, report, new Date('2026-12-01T00:00:00Z')), { allowed: false });
});

t.test('a Consent whose provision.class names only Observation does not cover a DiagnosticReport', async (t) => {
  await writeConsent(consentOf('class', 'c-obs', (c) => {
    c.provision!.class = [{ system: 'http://hl7.org/fhir/resource-types', code: 'Observation' }];
  }));
  t.match(await consentDecision(store, await reportAbout('class'), AT), {
    allowed: false, detail: /Consent\/c-obs \(its provision\.class does not cover DiagnosticReport\)/,
  });
});

t.test('the producing organization must be one the Consent names', async (t) => {
  await writeConsent(consentOf('org', 'c-org'));
  const elsewhere = await reportAbout('org', (r) => { r.performer = [{ reference: 'Organization/lab2' }]; });
  t.match(await consentDecision(store, elsewhere, AT), {
    allowed: false, detail: /covers DiagnosticReport from Organization\/lab2 at .*Consent\/c-org \(it names other organizations\)/,
  });
  const nobody = await reportAbout('org', (r) => { r.performer = [{ reference: 'Practitioner/doc1' }]; });
  t.match(await consentDecision(store, nobody, AT), { allowed: false, detail: /from no named Organization/ });
  const interpreted = await reportAbout('org', (r) => {
    r.performer = [{ reference: 'Organization/lab2' }];
    r.resultsInterpreter = [{ reference: 'https://other.example/fhir/Organization/lab1' }];
  });
  t.same(await consentDecision(store, interpreted, AT), { allowed: true, consent: 'Consent/c-org' });
});

t.test('a Consent naming no organization covers every producer', async (t) => {
  await writeConsent(consentOf('anyorg', 'c-anyorg', (c) => { delete c.organization; }));
  const report = await reportAbout('anyorg', (r) => { r.performer = [{ reference: 'Organization/lab9' }]; });
  t.same(await consentDecision(store, report, AT), { allowed: true, consent: 'Consent/c-anyorg' });
});

t.test('a deny provision never allows', async (t) => {
  await writeConsent(consentOf('deny', 'c-deny', (c) => { c.provision!.type = 'deny'; }));
  t.match(await consentDecision(store, await reportAbout('deny'), AT), { allowed: false, detail: /Consent\/c-deny \(its provision denies\)/ });
});

t.test("another patient's Consent does not count", async (t) => {
  await writeConsent(consentOf('someone-else', 'c-someone-else'));
  t.match(await consentDecision(store, await reportAbout('alone'), AT), { allowed: false, detail: /Patient\/alone has no active Consent/ });
});

t.test('a deleted Consent does not count', async (t) => {
  await writeConsent(consentOf('deleted', 'c-deleted'));
  const report = await reportAbout('deleted');
  t.match(await consentDecision(store, report, AT), { allowed: true });
  await repository.delete('Consent', 'c-deleted');
  t.match(await consentDecision(store, report, AT), { allowed: false, detail: /Patient\/deleted has no active Consent/ });
});

t.test('a resource about no patient is allowed without a Consent', async (t) => {
  const report = await reportAbout('unused', (r) => { delete r.subject; });
  t.same(await consentDecision(store, report, AT), { allowed: true });
  const aboutGroup = await reportAbout('unused', (r) => { r.subject = { reference: 'Group/g1' }; });
  t.same(await consentDecision(store, aboutGroup, AT), { allowed: true });
});

t.test('a subject the server cannot resolve to a Patient is held back', async (t) => {
  await writeConsent(consentOf('by-identifier', 'c-by-identifier'));
  const byIdentifier = await reportAbout('unused', (r) => { r.subject = { type: 'Patient', identifier: { system: 'urn:oid:1.2.643.100.3', value: '08765430200' } }; });
  t.match(await consentDecision(store, byIdentifier, AT), { allowed: false, reason: 'no-active-consent', detail: /not a reference the server can check consent for/ });
  const contained = await reportAbout('unused', (r) => { r.subject = { reference: '#p' }; });
  t.match(await consentDecision(store, contained, AT), { allowed: false });
  const displayOnly = await reportAbout('unused', (r) => { r.subject = { display: 'Иванов И.И.' }; });
  t.match(await consentDecision(store, displayOnly, AT), { allowed: false });
});

t.test('an absolute patient reference names the same patient', async (t) => {
  await writeConsent(consentOf('absolute', 'c-absolute'));
  const report = await reportAbout('absolute', (r) => { r.subject = { reference: 'https://egisz.example.ru/fhir/Patient/absolute' }; });
  t.same(await consentDecision(store, report, AT), { allowed: true, consent: 'Consent/c-absolute' });
});

t.test("with a session the decision sees the transaction's own Consent", async (t) => {
  const report = await reportAbout('in-tx');
  await store.withTransaction(async (session) => {
    await repository.withStore(new SessionBoundStore(store, session)).update('Consent', 'c-in-tx', consentOf('in-tx', 'c-in-tx'));
    t.same(await consentDecision(store, report, AT, session), { allowed: true, consent: 'Consent/c-in-tx' });
  });
});
