/** SMART scopes from a `scope` claim: v2 letters and queries, v1 words, wildcards, what is ignored, and which scope grants. */
import t from 'tap';
import { allows, missingScopeText, parseSmartScope, parseSmartScopes, type SmartScope } from '../../src/auth/smart-scopes.js';

/** A scope as plain data, so tap compares the letters of its set. */
function plain(scope: SmartScope | undefined) {
  return scope && { ...scope, interactions: [...scope.interactions].sort().join('') };
}

t.test('v2 scopes: context, resource type or wildcard, and the letters granted', async (t) => {
  t.same(plain(parseSmartScope('patient/Observation.rs')), { context: 'patient', type: 'Observation', interactions: 'rs', text: 'patient/Observation.rs' });
  t.same(plain(parseSmartScope('system/*.cruds')), { context: 'system', type: '*', interactions: 'cdrsu', text: 'system/*.cruds' });
  t.same(plain(parseSmartScope('user/DiagnosticReport.c')), { context: 'user', type: 'DiagnosticReport', interactions: 'c', text: 'user/DiagnosticReport.c' });
  t.same(plain(parseSmartScope('system/DiagnosticReport.cru'))?.interactions, 'cru');
  t.same(plain(parseSmartScope('user/Patient.ud'))?.interactions, 'du');
});

t.test('v1 scopes: read is r+s, write is c+u+d, * is everything', async (t) => {
  t.same(plain(parseSmartScope('patient/Observation.read'))?.interactions, 'rs');
  t.same(plain(parseSmartScope('user/Patient.write'))?.interactions, 'cdu');
  t.same(plain(parseSmartScope('system/*.*')), { context: 'system', type: '*', interactions: 'cdrsu', text: 'system/*.*' });
});

t.test('letters out of the c,r,u,d,s order, repeated or unknown make the scope ignored', async (t) => {
  for (const text of ['patient/Observation.sr', 'user/Patient.rc', 'system/*.dc', 'user/Patient.rr', 'system/*.x', 'user/Patient.', 'user/Patient.readwrite', 'user/Patient.Read']) {
    t.equal(parseSmartScope(text), undefined, text);
  }
});

t.test('scopes that are not resource scopes are ignored; the rest of the claim still counts', async (t) => {
  const scopes = parseSmartScopes('openid fhirUser launch/patient launch offline_access online_access profile patient/Observation Patient/Observation.rs patient/observation.rs system/Patient.rs');
  t.same(scopes.map((scope) => scope.text), ['system/Patient.rs']);
  t.same(parseSmartScopes(''), []);
  t.same(parseSmartScopes('  user/Patient.r \t  user/Consent.c  ').map((scope) => scope.text), ['user/Patient.r', 'user/Consent.c']);
});

t.test('a v2 query is kept unparsed and the scope grants nothing, not even what it names', async (t) => {
  const scope = parseSmartScope('patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory');
  t.equal(scope?.query, 'category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory');
  t.same(plain(scope)?.interactions, 'rs');
  t.equal(allows([scope!], 'Observation', 'r'), undefined);
  t.equal(parseSmartScope('patient/Observation.rs')?.query, undefined, 'no query, no field');
});

t.test('allows: the granting scope, by type or wildcard and by letter', async (t) => {
  const scopes = parseSmartScopes('user/Observation.rs patient/*.r user/Consent.c');
  t.equal(allows(scopes, 'Observation', 's')?.text, 'user/Observation.rs');
  t.equal(allows(scopes, 'Consent', 'c')?.text, 'user/Consent.c');
  t.equal(allows(scopes, 'Encounter', 'r')?.text, 'patient/*.r', 'the wildcard covers any type');
  t.equal(allows(scopes, 'Encounter', 's'), undefined, 'patient/*.r does not search');
  t.equal(allows(scopes, 'Consent', 'u'), undefined);
  t.equal(allows(scopes, 'Observation', 'd'), undefined);
  t.equal(allows([], 'Patient', 'r'), undefined);
});

t.test('allows prefers the widest context among the granting scopes', async (t) => {
  const scopes = parseSmartScopes('patient/Observation.rs user/*.r system/Observation.r');
  t.equal(allows(scopes, 'Observation', 'r')?.text, 'system/Observation.r');
  t.equal(allows(scopes, 'Patient', 'r')?.text, 'user/*.r');
  t.equal(allows(scopes, 'Observation', 's')?.text, 'patient/Observation.rs');
});

t.test('missingScopeText names a scope of each context that would grant', async (t) => {
  t.equal(missingScopeText('Observation', 'r'), 'system/Observation.r or user/Observation.r or patient/Observation.r');
  t.equal(missingScopeText('Consent', 'c'), 'system/Consent.c or user/Consent.c or patient/Consent.c');
});
