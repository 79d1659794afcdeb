// SUPERVISOR as written -> SupervisorSettings: every absent key takes its default (src/defaults.ts).
import { basename, extname, resolve } from 'node:path';
import type { Diagnostic } from '../errors.js';
import { checkLeniently } from './check.js';
import type { Where } from './locate.js';
import { supervisorSchema, type RawSupervisor } from './schema.js';
import type { CyrusSettings } from './cyrus-settings.js';
import { DEFAULTS } from '../defaults.js';
import type { SupervisorSettings } from './types.js';

/** SUPERVISOR as read: its valid keys, the problems of the others, and whether bin_dir is usable. */
export interface ReadSupervisor {
  readonly raw: RawSupervisor;
  readonly diagnostics: readonly Diagnostic[];
  readonly binDirOk: boolean;
}

/** Checks SUPERVISOR; a broken key takes its default so the entries can still be checked. */
export function readSupervisor(value: unknown, where: Where): ReadSupervisor {
  const checked = checkLeniently(supervisorSchema, value ?? {}, ['SUPERVISOR'], where);
  return { raw: checked.valid ?? {}, diagnostics: checked.diagnostics, binDirOk: checked.valid !== undefined && !checked.broken.has('bin_dir') };
}

/**
 * The SUPERVISOR keys taken as written, else their default: key as written -> SupervisorSettings
 * field, whose default is DEFAULTS[field] (src/defaults.ts). The other keys are paths or depend on
 * imapd.conf (supervisorSettings below).
 */
export const PLAIN_KEYS = {
  quit_timeout: 'quitTimeoutMs',
  term_timeout: 'termTimeoutMs',
  shutdown_timeout: 'shutdownTimeoutMs',
  start_timeout: 'startTimeoutMs',
  progress_interval: 'progressIntervalMs',
  restart_delay: 'restartDelayMs',
  restart_max_delay: 'restartMaxDelayMs',
  restart_reset_after: 'restartResetAfterMs',
  restart_give_up: 'restartGiveUpCount',
  listen_backlog: 'listenBacklog',
  ready_fail_limit: 'readyFailLimit',
  ready_fail_interval: 'readyFailIntervalMs',
  metrics_port: 'metricsPort',
  graceful_signal: 'gracefulSignal',
  pdeathsig: 'pdeathsig',
  sync_drain_timeout: 'syncDrainTimeoutMs',
  sync_backlog_interval: 'syncBacklogIntervalMs',
  sync_backlog_warn_bytes: 'syncBacklogWarnBytes',
  sync_backlog_warn_age: 'syncBacklogWarnAgeMs',
  sync_backlog_critical_bytes: 'syncBacklogCriticalBytes',
  sync_backlog_critical_age: 'syncBacklogCriticalAgeMs',
} as const satisfies Partial<Record<keyof RawSupervisor, keyof typeof DEFAULTS & keyof SupervisorSettings>>;

type PlainField = (typeof PLAIN_KEYS)[keyof typeof PLAIN_KEYS];

/** Every plain key of `raw`, or its default. */
function plainSettings(raw: RawSupervisor): Pick<SupervisorSettings, PlainField> {
  const settings: Partial<Record<PlainField, unknown>> = {};
  for (const [key, field] of Object.entries(PLAIN_KEYS) as [keyof typeof PLAIN_KEYS, PlainField][]) settings[field] = raw[key] ?? DEFAULTS[field];
  return settings as Pick<SupervisorSettings, PlainField>;
}

/**
 * Fills defaults and resolves relative paths against `baseDir`, the config file's directory.
 * The default pidfile is named after the config file, so two instances never share one.
 */
export function supervisorSettings(raw: RawSupervisor, configFile: string, baseDir: string, cyrus?: CyrusSettings): SupervisorSettings {
  const path = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolve(baseDir, p));
  // The pidfile: SUPERVISOR.pidfile (or -p), else master's own (imapd.conf master_pid_file,
  // {configdirectory}/master.pid), else one named after the config file.
  const defaultPidfile = cyrus?.pidFile ?? `${DEFAULTS.pidDir}/${basename(configFile, extname(configFile))}.pid`;
  const pidfile = path(raw.pidfile) ?? defaultPidfile;
  const stem = pidfile.endsWith('.pid') ? pidfile.slice(0, -4) : pidfile;
  return {
    pidfile,
    readyFile: path(raw.ready_file) ?? cyrus?.readyFile,
    user: raw.user ?? cyrus?.user,
    group: raw.group ?? (raw.user === undefined ? cyrus?.group : undefined),
    logFile: path(raw.log_file),
    binDir: path(raw.bin_dir) ?? DEFAULTS.binDir,
    cyrusConfig: path(raw.cyrus_config),
    controlSocket: path(raw.control_socket) ?? `${stem}.sock`,
    reportFile: path(raw.report_file) ?? `${stem}.report.json`,
    syslogSocket: path(raw.syslog_socket),
    ...plainSettings(raw),
  };
}
