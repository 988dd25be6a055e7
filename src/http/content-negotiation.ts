import type { FastifyInstance } from 'fastify';
import { FhirError } from '../fhir/errors.js';
import { nestsDeeperThan } from './json-depth.js';

export const FHIR_JSON = 'application/fhir+json';
const JSON_TYPES = [FHIR_JSON, 'application/json', 'application/json+fhir'];
const JSON_PATCH = 'application/json-patch+json';
const FORM = 'application/x-www-form-urlencoded';
const FORMAT_ALIASES = new Set(['json', ...JSON_TYPES]);
const ACCEPTABLE = new Set(['*/*', 'application/*', ...JSON_TYPES]);

/** _format wins over Accept (http.html#mime-type); anything but JSON is a 406. */
export function assertAcceptable(format: string | undefined, accept: string | undefined): void {
  if (format !== undefined) {
    const mediaType = format.split(';')[0]!.trim().toLowerCase();
    if (!FORMAT_ALIASES.has(mediaType)) throw new FhirError('FHIR_ERR_NOT_ACCEPTABLE', [format.slice(0, 80)]);
    return;
  }
  if (accept === undefined || accept.trim() === '') return;
  const offered = accept.split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  if (!offered.some((type) => ACCEPTABLE.has(type))) throw new FhirError('FHIR_ERR_NOT_ACCEPTABLE', [accept.slice(0, 80)]);
}

/**
 * Body parsers for the FHIR JSON media types, JSON Patch and search forms. Any other media type
 * falls through to Fastify's 415, which the error handler turns into an OperationOutcome.
 * JSON nested deeper than jsonMaxDepth is refused before it is parsed.
 */
export function registerBodyParsers(app: FastifyInstance, jsonMaxDepth: number): void {
  app.removeAllContentTypeParsers();
  // Plain JSON.parse: the resource checks walk every key anyway and refuse __proto__ and friends.
  app.addContentTypeParser([...JSON_TYPES, JSON_PATCH], { parseAs: 'string' }, (_request, raw, done) => {
    const body = String(raw);
    if (body.trim() === '') {
      done(new FhirError('FHIR_ERR_BODY_MISSING'), undefined);
      return;
    }
    if (nestsDeeperThan(body, jsonMaxDepth)) {
      done(new FhirError('FHIR_ERR_JSON_TOO_DEEP', [jsonMaxDepth]), undefined);
      return;
    }
    try {
      done(null, JSON.parse(body));
    } catch (err) {
      done(new FhirError('FHIR_ERR_JSON_MALFORMED', [(err as Error).message.slice(0, 200)]), undefined);
    }
  });
  app.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => {
    done(null, new URLSearchParams(String(body)));
  });
}
