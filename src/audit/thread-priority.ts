/**
 * A thread's own scheduling priority. On Linux every thread has its own nice value, and
 * /proc/thread-self names the calling thread's id; elsewhere nothing changes.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Gives the calling thread the nice value `nice` (higher: yields more to the others); false when it cannot. */
export function niceThread(nice: number): boolean {
  try {
    const tid = /\/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1];
    if (tid === undefined) return false;
    setPriority(Number(tid), nice);
    return true;
  } catch {
    return false;
  }
}
