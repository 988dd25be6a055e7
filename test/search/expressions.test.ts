/** The fast path evaluator agrees with the FHIRPath engine; expression rewriting. */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { compileExpression, rewriteExpression } from '../../src/search/expressions.js';
import { compileSimplePath } from '../../src/search/simple-path.js';
import { searchParametersFor } from '../../src/search/search-parameters.js';
import { chargeItems, observations, patients } from './fixtures.js';

const EXAMPLES = path.resolve(process.cwd(), '../shared/data/r4-examples');

function allResources(): { resourceType: string }[] {
  const own = [...patients, ...observations, ...chargeItems];
  if (!fs.existsSync(EXAMPLES)) return own;
  const examples = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).flatMap((file) => {
    const json = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'));
    return [json, ...(json.entry ?? []).flatMap((e: { resource?: object }) => (e.resource ? [e.resource] : []))];
  });
  return [...own, ...examples];
}

/** Every parameter of every resource evaluated by the fast path and by fhirpath; where they differ. */
function compareEvaluators(resources: { resourceType: string }[]): { compared: number; disagreements: string[] } {
  let compared = 0;
  const disagreements: string[] = [];
  for (const resource of resources) {
    for (const def of searchParametersFor(resource.resourceType).values()) {
      const fast = compileExpression(def.expression)(resource).map((v) => [v.value, v.type.toLowerCase()]);
      const slow = compileExpression(def.expression, { fhirpathOnly: true })(resource).map((v) => [v.value, v.type.toLowerCase()]);
      compared += fast.length;
      if (JSON.stringify(fast) !== JSON.stringify(slow)) {
        disagreements.push(`${resource.resourceType}.${def.code}: ${JSON.stringify(fast).slice(0, 300)} vs ${JSON.stringify(slow).slice(0, 300)}`);
      }
    }
  }
  return { compared, disagreements };
}

t.test('rewriting for fhirpath.js', async (t) => {
  t.equal(rewriteExpression('(Observation.value as Quantity)'), '(Observation.value.ofType(Quantity))');
  t.equal(rewriteExpression('Condition.onset.as(Age)'), 'Condition.onset.ofType(Age)');
  t.equal(rewriteExpression('Observation.subject.where(resolve() is Patient)'),
    "Observation.subject.where(reference.startsWith('Patient/') or reference.contains('/Patient/'))");
});

t.test('simple shapes are recognised, others left to fhirpath', async (t) => {
  for (const e of ['Patient.name.family', '(Observation.value as Quantity)', 'Condition.onset.as(Age)',
    'Observation.subject.where(resolve() is Patient)', 'Resource.meta.tag', 'Observation.value.ofType(Period)',
    "Patient.telecom.where(system='email')", "Patient.identifier.where(system = 'a' or system = 'b')",
    '(Observation.value as CodeableConcept).text', "Library.relatedArtifact.where(type='successor').resource",
    'Patient.deceased.exists() and Patient.deceased != false']) {
    t.ok(compileSimplePath(e), e);
  }
  for (const e of ['Patient.deceased.exists()', 'Patient.deceased.exists() and Patient.active != false',
    'Bundle.entry[0].resource', "Patient.telecom.where(system='email').value.exists()",
    "Patient.telecom.where(system != 'email')", "Patient.telecom.where(rank = '1')", 'Patient.name.where(given.exists())',
    '(Observation.value as CodeableConcept).text.lower()']) {
    t.notOk(compileSimplePath(e), e);
  }
});

t.test('fast path and fhirpath agree on edge cases of where(), as and exists()', async (t) => {
  const resources: { resourceType: string; [key: string]: unknown }[] = [
    { resourceType: 'Patient' },
    { resourceType: 'Patient', deceasedBoolean: true }, { resourceType: 'Patient', deceasedBoolean: false },
    { resourceType: 'Patient', deceasedDateTime: '2015' }, { resourceType: 'Patient', deceasedBoolean: [false] },
    { resourceType: 'Patient', _deceasedBoolean: { extension: [{ url: 'x', valueString: 'y' }] } },
    {
      resourceType: 'Patient',
      telecom: [{ system: 'Phone', value: 'a' }, { system: 'phone', value: 'b' }, { system: ['phone'], value: 'c' },
        { system: ['phone', 'phone'], value: 'd' }, { value: 'e' }, { _system: { id: 'x' }, value: 'f' }, { system: 'email', value: 'g' }],
      identifier: [{ system: 'urn:oid:1.2.643.100.3', value: '1' }, { system: 'urn:oid:1.2.643.2.69.1.1.1.6.223', value: '2' },
        { system: 'urn:oid:1.2.643.2.69.1.1.1.6.228', value: '3' }, { value: '4' }],
    },
    { resourceType: 'Observation', valueCodeableConcept: { text: 'a' } }, { resourceType: 'Observation', valueString: 'a' },
    { resourceType: 'Observation', valueCodeableConcept: { coding: [{ code: 'x' }] } },
  ];
  const { compared, disagreements } = compareEvaluators(resources);
  t.same(disagreements, [], 'the fast path and fhirpath agree on every parameter');
  t.ok(compared > 10, `${compared} values compared`);
});

t.test('fast path and fhirpath give the same values for every parameter of every example', { skip: !fs.existsSync(EXAMPLES) && 'r4-examples not available' }, async (t) => {
  const resources = allResources();
  const { compared, disagreements } = compareEvaluators(resources);
  t.same(disagreements, [], 'the fast path and fhirpath agree on every parameter');
  t.ok(compared > 2000, `${compared} values compared over ${resources.length} resources`);
});
