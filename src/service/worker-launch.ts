// How a SERVICES entry's numbers and a worker's process are derived from the entry: pure functions.
import type { SpawnOptions } from '../child/child.js';
import { isDatagram, type CommandSpec, type ServiceEntry } from '../config/types.js';
import type { BoundListener } from './listener.js';

/**
 * Effective numbers of an entry, as Cyrus: `babysit` forces prefork >= 1 and a fork rate of 10/s
 * if unset; a datagram service has at most one worker (prefork capped at 1, maxchild 1).
 */
export function limitsOf(e: ServiceEntry): { prefork: number; maxchild: number; maxforkrate: number } {
  const datagram = isDatagram(e.listen, e.proto);
  const prefork = e.babysit ? Math.max(1, e.prefork) : e.prefork;
  return {
    prefork: datagram ? Math.min(1, prefork) : prefork,
    maxchild: datagram ? 1 : e.maxchild < 0 ? Infinity : e.maxchild,
    maxforkrate: e.babysit && e.maxforkrate === 0 ? 10 : e.maxforkrate,
  };
}

/** The command and spawn options of one worker of `entry`, tagged `tag`. */
export function workerLaunch(entry: ServiceEntry, listener: BoundListener | undefined, tag: string): { spec: CommandSpec; opts: SpawnOptions } {
  // maxfds: soft RLIMIT_NOFILE of the worker (prlimit from util-linux; `N:` leaves the hard limit alone).
  const limited = entry.maxfds > 0 ? ['prlimit', `--nofile=${entry.maxfds}:`, '--', ...entry.argv] : entry.argv;
  const fds = listener?.workerFds(limited);
  const spec = { ...entry, argv: fds?.argv ?? limited };
  // A worker with a socket talks to its clients there: a Cyrus service dups each accepted
  // connection onto fd 0 and 1 itself and writes nothing to stdout before (under master its
  // stdout is master's own). So no stdout pipe per worker; stderr still carries the errors it
  // prints before its syslog is open.
  return {
    spec,
    opts: {
      tag,
      env: { CYRUS_SERVICE: entry.name, CYRUS_ID: '0' },
      extraFds: fds?.extraFds,
      discardStdout: listener !== undefined,
      role: 'worker',
    },
  };
}
