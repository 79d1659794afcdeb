// The shape of a config file, in zod: which keys each mapping has and what each value parses to.
// Cross-key rules (period xor at, prefork <= maxchild) live in entries.ts, names in validate.ts, the
// program lookup in executable.ts, and the bounds of every number in limits.ts.
import * as z from 'zod';
import { parseCron } from './cron.js';
import { expected } from './describe.js';
import { parseAt, parseDuration, parseListen, parseSignal } from './fields.js';
import { LIMITS } from './limits.js';
import { boolean, envName, integerIn, nonEmptyString, oneOf, positive, string, type Parse } from './values.js';
import type { Section } from './types.js';

/** A zod field that runs a Parse and reports its message as is. */
function from<T>(parse: Parse<T>): z.ZodType<T, unknown> {
  return z.unknown().transform((v, ctx) => {
    const r = parse(v);
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: r.error, input: v });
    return z.NEVER;
  });
}

/** A key that must be present: absent gives "missing required key". */
function required<T>(key: string, parse: Parse<T>): z.ZodType<T, unknown> {
  return from((v) => (v === undefined ? { ok: false, error: `missing required key \`${key}\`` } : parse(v)));
}

const mapping = { error: (iss: { input?: unknown }) => expected('a mapping', iss.input) };
const duration = from((v) => parseDuration(v, 's')).optional();

/** Keys every entry of every section has. */
const commandShape = {
  cmd: required('cmd', nonEmptyString),
  shell: from(boolean).optional(),
  env: z.record(from(envName), from(string), mapping).optional(),
  cwd: from(nonEmptyString).optional(),
  stop_signal: from(parseSignal).optional(),
  user: from(nonEmptyString).optional(),
  quit_timeout: duration,
  term_timeout: duration,
};

export const supervisorSchema = z.strictObject(
  {
    pidfile: from(nonEmptyString).optional(),
    ready_file: from(nonEmptyString).optional(),
    user: from(nonEmptyString).optional(),
    group: from(nonEmptyString).optional(),
    log_file: from(nonEmptyString).optional(),
    quit_timeout: duration,
    term_timeout: duration,
    shutdown_timeout: duration,
    start_timeout: duration,
    progress_interval: from(positive((v) => parseDuration(v, 's'), 'a positive duration')).optional(),
    restart_delay: duration,
    restart_max_delay: duration,
    restart_reset_after: duration,
    restart_give_up: from(integerIn(0, LIMITS.failureCount, 'a non-negative integer')).optional(),
    bin_dir: from(nonEmptyString).optional(),
    cyrus_config: from(nonEmptyString).optional(),
    listen_backlog: from(integerIn(1, LIMITS.listenBacklog, 'a positive integer')).optional(),
    ready_fail_limit: from(integerIn(1, LIMITS.failureCount, 'a positive integer')).optional(),
    ready_fail_interval: duration,
    control_socket: from(nonEmptyString).optional(),
    report_file: from(nonEmptyString).optional(),
    metrics_port: from(integerIn(0, LIMITS.port, 'a port number (0 = off)')).optional(),
    graceful_signal: from(oneOf(['SIGQUIT', 'SIGTERM'])).optional(),
    syslog_socket: from(nonEmptyString).optional(),
    pdeathsig: from(boolean).optional(),
    sync_drain_timeout: duration,
    sync_backlog_interval: from(positive((v) => parseDuration(v, 's'), 'a positive duration')).optional(),
    sync_backlog_warn_bytes: from(integerIn(1, LIMITS.bytes, 'a positive integer')).optional(),
    sync_backlog_warn_age: duration,
    sync_backlog_critical_bytes: from(integerIn(1, LIMITS.bytes, 'a positive integer')).optional(),
    sync_backlog_critical_age: duration,
  },
  mapping,
);

/** `listen` keeps what was written next to what it means. */
const listen = from((v) => {
  const r = parseListen(v);
  return r.ok ? { ok: true as const, value: { spec: String(v), address: r.value } } : r;
});

export const entrySchemas = {
  START: z.strictObject({ ...commandShape, timeout: duration }, mapping),
  SERVICES: z.strictObject(
    {
      ...commandShape,
      listen: listen.optional(),
      proto: from(oneOf(['tcp', 'tcp4', 'tcp6', 'udp', 'udp4', 'udp6'])).optional(),
      prefork: from(integerIn(0, LIMITS.prefork, 'a non-negative integer')).optional(),
      maxchild: from(integerIn(-1, LIMITS.maxchild, 'an integer >= -1 (-1 = unlimited)')).optional(),
      maxforkrate: from(integerIn(0, LIMITS.maxforkrate, 'a non-negative integer')).optional(),
      babysit: from(boolean).optional(),
      maxfds: from(integerIn(0, LIMITS.maxfds, 'a non-negative integer')).optional(),
    },
    mapping,
  ),
  EVENTS: z.strictObject(
    {
      ...commandShape,
      period: from(positive((v) => parseDuration(v, 'm'), 'a positive duration (a bare number is minutes)')).optional(),
      at: from(parseAt).optional(),
      cron: from(parseCron).optional(),
    },
    mapping,
  ),
  DAEMON: z.strictObject({ ...commandShape, wait: from(boolean).optional(), wait_timeout: duration }, mapping),
  SHUTDOWN: z.strictObject({ ...commandShape, timeout: duration }, mapping),
} as const satisfies Record<Section, z.ZodType>;

export type RawSupervisor = z.output<typeof supervisorSchema>;
export type RawEntry<S extends Section> = z.output<(typeof entrySchemas)[S]>;
export type RawCommand = RawEntry<Section>;

/** Top-level keys, in start order after SUPERVISOR. */
export const SECTIONS: readonly Section[] = ['START', 'SERVICES', 'EVENTS', 'DAEMON', 'SHUTDOWN'];
export const TOP_LEVEL_KEYS: readonly string[] = ['SUPERVISOR', ...SECTIONS];
