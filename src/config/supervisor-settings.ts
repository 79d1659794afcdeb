// SUPERVISOR as written -> SupervisorSettings: every absent key takes its DEFAULTS value.
import { basename, extname, resolve } from 'node:path';
import type { Diagnostic } from '../errors.js';
import { checkLeniently } from './check.js';
import type { Where } from './locate.js';
import { supervisorSchema, type RawSupervisor } from './schema.js';
import type { CyrusSettings } from './cyrus-settings.js';
import { DEFAULTS, type SupervisorSettings } from './types.js';

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
    quitTimeoutMs: raw.quit_timeout ?? DEFAULTS.quitTimeoutMs,
    termTimeoutMs: raw.term_timeout ?? DEFAULTS.termTimeoutMs,
    shutdownTimeoutMs: raw.shutdown_timeout ?? DEFAULTS.shutdownTimeoutMs,
    startTimeoutMs: raw.start_timeout ?? DEFAULTS.startTimeoutMs,
    progressIntervalMs: raw.progress_interval ?? DEFAULTS.progressIntervalMs,
    restartDelayMs: raw.restart_delay ?? DEFAULTS.restartDelayMs,
    restartMaxDelayMs: raw.restart_max_delay ?? DEFAULTS.restartMaxDelayMs,
    restartResetAfterMs: raw.restart_reset_after ?? DEFAULTS.restartResetAfterMs,
    restartGiveUpCount: raw.restart_give_up ?? DEFAULTS.restartGiveUpCount,
    binDir: path(raw.bin_dir) ?? DEFAULTS.binDir,
    cyrusConfig: path(raw.cyrus_config),
    listenBacklog: raw.listen_backlog ?? DEFAULTS.listenBacklog,
    readyFailLimit: raw.ready_fail_limit ?? DEFAULTS.readyFailLimit,
    readyFailIntervalMs: raw.ready_fail_interval ?? DEFAULTS.readyFailIntervalMs,
    controlSocket: path(raw.control_socket) ?? `${stem}.sock`,
    reportFile: path(raw.report_file) ?? `${stem}.report.json`,
    metricsPort: raw.metrics_port ?? DEFAULTS.metricsPort,
    gracefulSignal: raw.graceful_signal ?? DEFAULTS.gracefulSignal,
    syslogSocket: path(raw.syslog_socket),
    pdeathsig: raw.pdeathsig ?? DEFAULTS.pdeathsig,
    syncDrainTimeoutMs: raw.sync_drain_timeout ?? DEFAULTS.syncDrainTimeoutMs,
    syncBacklogIntervalMs: raw.sync_backlog_interval ?? DEFAULTS.syncBacklogIntervalMs,
    syncBacklogWarnBytes: raw.sync_backlog_warn_bytes ?? DEFAULTS.syncBacklogWarnBytes,
    syncBacklogWarnAgeMs: raw.sync_backlog_warn_age ?? DEFAULTS.syncBacklogWarnAgeMs,
    syncBacklogCriticalBytes: raw.sync_backlog_critical_bytes ?? DEFAULTS.syncBacklogCriticalBytes,
    syncBacklogCriticalAgeMs: raw.sync_backlog_critical_age ?? DEFAULTS.syncBacklogCriticalAgeMs,
  };
}
