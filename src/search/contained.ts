/**
 * `_contained` and `_containedType` (search.html#contained). A search here matches resources
 * stored on their own, never the resources contained in them: `_contained=false` and
 * `_containedType=container` say just that and are accepted. Asking for contained resources is
 * refused whatever the handling preference, since ignoring it would silently change what the
 * results mean.
 */
import { FhirError } from '../fhir/errors.js';

const ACCEPTED: Record<string, { containers: string; contained: readonly string[] }> = {
  _contained: { containers: 'false', contained: ['true', 'both'] },
  _containedType: { containers: 'container', contained: ['contained'] },
};

/** Throws unless `name=value` asks for what the server does (containers only). */
export function assertContainersOnly(name: '_contained' | '_containedType', value: string): void {
  const { containers, contained } = ACCEPTED[name];
  if (value === containers) return;
  if (contained.includes(value)) throw new FhirError('FHIR_ERR_CONTAINED_NOT_SEARCHED', [name, value]);
  throw new FhirError('FHIR_ERR_PARAM_INVALID', [name, `"${value}" is not one of ${[containers, ...contained].join(', ')}`]);
}
