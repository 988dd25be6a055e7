/**
 * The audit worker links at a lower scheduling priority than the threads that answer requests,
 * so under a full processor the linking waits (durably, in audit_pending) rather than the
 * requests. Linux gives each thread its own nice value; elsewhere there is nothing to check.
 */
import { readFileSync, readdirSync } from 'node:fs';
import t from 'tap';
import { startServer } from '../support/server.js';

/** The nice value of each thread of this process, by thread id. */
function niceByThread(): Map<number, number> {
  const nice = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    // fields after the command's closing parenthesis: state is the 3rd field of stat, nice the 19th
    const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    nice.set(Number(tid), Number(fields[16]));
  }
  return nice;
}

t.test('the audit worker thread runs at nice 10, the request thread at its own', { skip: process.platform !== 'linux' && 'threads have their own nice value on Linux only' }, async (t) => {
  const before = niceByThread();
  const server = await startServer({ audit: 'on' });
  const niced = [...niceByThread()].filter(([tid, nice]) => nice === 10 && before.get(tid) !== 10);
  t.equal(niced.length, 1, 'one new thread at nice 10: the audit worker');
  t.equal(niceByThread().get(process.pid), before.get(process.pid), 'the main thread keeps its priority');
  await server.close();
  t.equal([...niceByThread()].filter(([tid, nice]) => nice === 10 && before.get(tid) !== 10).length, 0, 'the worker is gone after close');
});
