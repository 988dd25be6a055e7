/** RATE_LIMIT*, AUTH_FAILURE_*, JSON_MAX_DEPTH and CORS_ORIGINS in loadConfig: defaults, values read, a ConfigError naming each bad one. */
import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config.js';

function configErrorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return 'no error';
}

t.test('defaults: 60000 requests a minute per client, 10 auth failures a minute per address, depth 64, no CORS', async (t) => {
  const config = loadConfig({});
  t.same(config.rateLimit, { max: 60_000, windowMs: 60_000 });
  t.same(config.authFailureLimit, { max: 10, windowMs: 60_000 });
  t.equal(config.jsonMaxDepth, 64);
  t.same(config.corsOrigins, []);
});

t.test('every setting read; 0 turns a limit off', async (t) => {
  const config = loadConfig({
    RATE_LIMIT: '0', RATE_LIMIT_WINDOW: '1', AUTH_FAILURE_LIMIT: '5', AUTH_FAILURE_WINDOW: '900', JSON_MAX_DEPTH: '32',
    CORS_ORIGINS: 'https://app.example.ru, http://localhost:3000',
  });
  t.same(config.rateLimit, { max: 0, windowMs: 1000 });
  t.same(config.authFailureLimit, { max: 5, windowMs: 900_000 });
  t.equal(config.jsonMaxDepth, 32);
  t.same(config.corsOrigins, ['https://app.example.ru', 'http://localhost:3000']);
  t.same(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins, ['*']);
});

t.test('bad values are refused with the variable named', async (t) => {
  t.equal(configErrorOf({ RATE_LIMIT: '-1' }), 'RATE_LIMIT must be a whole number from 0 to 1000000, got "-1"');
  t.equal(configErrorOf({ RATE_LIMIT: 'lots' }), 'RATE_LIMIT must be a whole number from 0 to 1000000, got "lots"');
  t.equal(configErrorOf({ RATE_LIMIT_WINDOW: '0' }), 'RATE_LIMIT_WINDOW must be a whole number from 1 to 86400, got "0"');
  t.equal(configErrorOf({ AUTH_FAILURE_LIMIT: '2.5' }), 'AUTH_FAILURE_LIMIT must be a whole number from 0 to 1000000, got "2.5"');
  t.equal(configErrorOf({ AUTH_FAILURE_WINDOW: '1m' }), 'AUTH_FAILURE_WINDOW must be a whole number from 1 to 86400, got "1m"');
  t.equal(configErrorOf({ JSON_MAX_DEPTH: '4' }), 'JSON_MAX_DEPTH must be a whole number from 8 to 1000, got "4"', 'too shallow for any FHIR resource');
  t.equal(configErrorOf({ JSON_MAX_DEPTH: '100000' }), 'JSON_MAX_DEPTH must be a whole number from 8 to 1000, got "100000"');
  t.match(configErrorOf({ CORS_ORIGINS: 'https://app.example.ru/cabinet' }), /^CORS_ORIGINS lists origins such as https:\/\/app\.example\.ru .*got "https:\/\/app\.example\.ru\/cabinet"/);
  t.match(configErrorOf({ CORS_ORIGINS: 'app.example.ru' }), /^CORS_ORIGINS lists origins .*got "app\.example\.ru"/);
  t.match(configErrorOf({ CORS_ORIGINS: 'ftp://files.example.ru' }), /^CORS_ORIGINS lists origins/);
  t.equal(configErrorOf({ CORS_ORIGINS: '*,https://app.example.ru' }), 'CORS_ORIGINS is either * or a list of origins, not both, got "*,https://app.example.ru"');
});
