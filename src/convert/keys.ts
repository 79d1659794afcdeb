// Which cyrus.conf keys master reads in each section, and what each becomes in quiesce.
import type { CyrusSectionName } from './parse.js';

/** How one cyrus.conf key is carried over. */
export type KeyRule =
  /** A string kept as written (`cmd`, `listen`). */
  | { readonly kind: 'string' }
  /** `proto`: `tcp` is the default on both sides and is left out. */
  | { readonly kind: 'proto' }
  /** `masterconf_getint`; `cyrusDefault` is what master uses when the value is not a number. */
  | { readonly kind: 'int'; readonly cyrusDefault: number }
  /** `masterconf_getswitch`, default false. */
  | { readonly kind: 'switch' }
  /** `period`, `at`, `cron`: read together by ./schedule.ts. */
  | { readonly kind: 'schedule' }
  /** Read by master in this section, but quiesce has no such setting. */
  | { readonly kind: 'unsupported'; readonly why: string };

/**
 * Per section, every key `master.c` reads (`add_start`, `add_service`, `add_event`, `add_daemon`,
 * `add_waitdaemon`), in the order quiesce's output lists them.
 */
export const KEY_RULES: Readonly<Record<CyrusSectionName, Readonly<Record<string, KeyRule>>>> = {
  START: {
    cmd: { kind: 'string' },
  },
  SERVICES: {
    cmd: { kind: 'string' },
    listen: { kind: 'string' },
    proto: { kind: 'proto' },
    prefork: { kind: 'int', cyrusDefault: 0 },
    maxchild: { kind: 'int', cyrusDefault: -1 },
    maxforkrate: { kind: 'int', cyrusDefault: 0 },
    babysit: { kind: 'switch' },
    maxfds: { kind: 'int', cyrusDefault: 0 },
  },
  EVENTS: {
    cmd: { kind: 'string' },
    period: { kind: 'schedule' },
    at: { kind: 'schedule' },
    cron: { kind: 'schedule' },
  },
  DAEMON: {
    cmd: { kind: 'string' },
    wait: { kind: 'switch' },
    maxforkrate: { kind: 'unsupported', why: 'quiesce restarts a daemon with a backoff instead, see SUPERVISOR.restart_delay' },
    maxfds: { kind: 'unsupported', why: 'quiesce sets maxfds on SERVICES only' },
  },
  SHUTDOWN: {
    cmd: { kind: 'string' },
    timeout: { kind: 'string' },
  },
};

/** Every key master reads in some section. */
export const CYRUS_KEYS: ReadonlySet<string> = new Set(Object.values(KEY_RULES).flatMap((rules) => Object.keys(rules)));

/** The protocols Cyrus master (and quiesce) listens with; any other disables the service in Cyrus. */
export const QUIESCE_PROTOS: ReadonlySet<string> = new Set(['tcp', 'tcp4', 'tcp6', 'udp', 'udp4', 'udp6']);
