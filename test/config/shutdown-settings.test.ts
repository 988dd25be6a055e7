/** SHUTDOWN_TIMEOUT in loadConfig: its default, a value read, a ConfigError naming a bad one. */
import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config.js';

t.test('SHUTDOWN_TIMEOUT: 30 s unless set, a whole number of seconds from 1 to 3600', async (t) => {
  t.equal(loadConfig({}).shutdownTimeoutSeconds, 30);
  t.equal(loadConfig({ SHUTDOWN_TIMEOUT: '5' }).shutdownTimeoutSeconds, 5);
  for (const bad of ['0', '1.5', 'soon', '3601']) {
    t.throws(() => loadConfig({ SHUTDOWN_TIMEOUT: bad }), new ConfigError(`SHUTDOWN_TIMEOUT must be a whole number from 1 to 3600, got "${bad}"`), `"${bad}" is refused`);
  }
});
