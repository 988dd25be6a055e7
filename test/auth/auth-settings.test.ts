/** AUTH_* settings: defaults, what AUTH=on requires, and a ConfigError naming each bad variable. */
import t from 'tap';
import { authSettingsOf, usesDevelopmentKeys } from '../../src/auth/auth-settings.js';
import { ConfigError } from '../../src/config.js';

const ISSUER = 'urn:egisz-fhir-server:dev-issuer';

function configErrorOf(env: Record<string, string>): string {
  try {
    authSettingsOf(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return 'no error';
}

t.test('AUTH is on by default; a key source needs its issuer, and none means the development keys', async (t) => {
  t.same(authSettingsOf({ AUTH_JWKS_FILE: './data/auth/dev-jwks.json', AUTH_ISSUER: ISSUER }), {
    mode: 'on',
    jwksFile: './data/auth/dev-jwks.json',
    jwksUrl: undefined,
    issuer: ISSUER,
    audience: undefined,
    clockSkewSeconds: 60,
  });
  t.match(configErrorOf({ AUTH_ISSUER: ISSUER }), /^AUTH_ISSUER is set but not the issuer's keys/);
  t.equal(usesDevelopmentKeys(authSettingsOf({})), true, 'nothing configured: the development key set');
  t.equal(usesDevelopmentKeys(authSettingsOf({ AUTH_JWKS_FILE: 'a.json', AUTH_ISSUER: ISSUER })), false);
  t.equal(usesDevelopmentKeys(authSettingsOf({ AUTH: 'off' })), false);
  t.match(configErrorOf({ AUTH: 'on', AUTH_JWKS_URL: 'https://idp.example.ru/jwks' }), /^AUTH=on needs AUTH_ISSUER/);
  t.match(configErrorOf({ AUTH_JWKS_FILE: 'a.json', AUTH_JWKS_URL: 'https://idp.example.ru/jwks', AUTH_ISSUER: ISSUER }), 'Set either AUTH_JWKS_FILE or AUTH_JWKS_URL, not both');
});

t.test('every setting read, the URL and skew checked', async (t) => {
  const env = { AUTH: 'on', AUTH_JWKS_URL: 'https://idp.example.ru/realms/egisz/certs', AUTH_ISSUER: 'https://idp.example.ru/realms/egisz', AUTH_AUDIENCE: 'https://fhir.example.ru/fhir', AUTH_CLOCK_SKEW: '0' };
  t.same(authSettingsOf(env), { mode: 'on', jwksFile: undefined, jwksUrl: env.AUTH_JWKS_URL, issuer: env.AUTH_ISSUER, audience: env.AUTH_AUDIENCE, clockSkewSeconds: 0 });
  t.match(configErrorOf({ ...env, AUTH_JWKS_URL: 'idp.example.ru/certs' }), /^AUTH_JWKS_URL must be an absolute http\(s\) URL/);
  t.match(configErrorOf({ ...env, AUTH_JWKS_URL: 'file:///etc/jwks.json' }), /^AUTH_JWKS_URL/);
  t.match(configErrorOf({ ...env, AUTH_CLOCK_SKEW: '-1' }), /^AUTH_CLOCK_SKEW must be a whole number of seconds from 0 to 3600, got "-1"/);
  t.match(configErrorOf({ ...env, AUTH_CLOCK_SKEW: '1.5' }), /^AUTH_CLOCK_SKEW/);
  t.match(configErrorOf({ ...env, AUTH_CLOCK_SKEW: '3601' }), /^AUTH_CLOCK_SKEW/);
  t.equal(authSettingsOf({ ...env, AUTH_CLOCK_SKEW: '3600' }).clockSkewSeconds, 3600);
});

t.test('AUTH=off needs nothing else; any other AUTH value is refused', async (t) => {
  t.same(authSettingsOf({ AUTH: 'off' }), { mode: 'off', jwksFile: undefined, jwksUrl: undefined, issuer: undefined, audience: undefined, clockSkewSeconds: 60 });
  t.match(configErrorOf({ AUTH: 'yes' }), 'AUTH must be on or off, got "yes"');
  t.match(configErrorOf({ AUTH: 'off', AUTH_CLOCK_SKEW: 'soon' }), /^AUTH_CLOCK_SKEW/, 'values given are still checked');
});
