/** CONTENT_SEARCH_TYPES in loadConfig: its default, a list, * and none, a ConfigError naming a bad one. */
import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config.js';
import { RESOURCE_TYPES } from '../../src/fhir/resource-types.js';

t.test('CONTENT_SEARCH_TYPES: report-like types unless set; a list of types, * for all, none for none', async (t) => {
  t.same(loadConfig({}).contentSearchTypes, ['DiagnosticReport', 'Composition', 'DocumentReference']);
  t.same(loadConfig({ CONTENT_SEARCH_TYPES: ' Observation, DiagnosticReport ' }).contentSearchTypes, ['Observation', 'DiagnosticReport']);
  t.same(loadConfig({ CONTENT_SEARCH_TYPES: '*' }).contentSearchTypes, RESOURCE_TYPES);
  t.same(loadConfig({ CONTENT_SEARCH_TYPES: 'none' }).contentSearchTypes, []);
  for (const [raw, bad] of [['Observation,Labs', 'Labs'], ['*,Patient', '*'], ['none,Patient', 'none'], ['observation', 'observation']]) {
    t.throws(() => loadConfig({ CONTENT_SEARCH_TYPES: raw }),
      new ConfigError(`CONTENT_SEARCH_TYPES is *, none, or resource types such as DiagnosticReport,Composition, got "${bad}"`), `"${raw}" is refused`);
  }
});
