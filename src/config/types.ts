// The validated, frozen config that runtime code sees, and the one table of defaults.
import type { Diagnostic } from '../errors.js';
import type { CyrusSettings } from './cyrus-settings.js';

/** Every default quiesce uses, with its unit in the name. README "Config reference" lists them. */
export const DEFAULTS = {
  /** Stop signal -> SIGTERM, per child (SUPERVISOR.quit_timeout). */
  quitTimeoutMs: 10_000,
  /** SIGTERM -> SIGKILL, per child (SUPERVISOR.term_timeout). */
  termTimeoutMs: 5_000,
  /** Budget of one SHUTDOWN command (SUPERVISOR.shutdown_timeout, entry `timeout`). */
  shutdownTimeoutMs: 120_000,
  /** Budget of one START command (SUPERVISOR.start_timeout, entry `timeout`). */
  startTimeoutMs: 600_000,
  /** How often a shutdown step repeats what it is waiting for (SUPERVISOR.progress_interval). */
  progressIntervalMs: 5_000,
  /** First DAEMON restart delay; doubles on each quick failure (SUPERVISOR.restart_delay). */
  restartDelayMs: 1_000,
  /** Ceiling of the DAEMON restart delay (SUPERVISOR.restart_max_delay). */
  restartMaxDelayMs: 60_000,
  /** A DAEMON that ran at least this long counts as healthy: its backoff resets (SUPERVISOR.restart_reset_after). */
  restartResetAfterMs: 60_000,
  /** Consecutive quick failures after which a DAEMON is given up; 0 = never (SUPERVISOR.restart_give_up). */
  restartGiveUpCount: 10,
  /** Where relative commands are looked up first (SUPERVISOR.bin_dir). */
  binDir: '/usr/lib/cyrus/bin',
  /** Directory of the default pidfile `<dir>/<config basename>.pid` (SUPERVISOR.pidfile). */
  pidDir: '/run/quiesce',
  /** Signal a child gets first when it is stopped (entry `stop_signal`). */
  stopSignal: 'SIGQUIT' as NodeJS.Signals,
  /** Listen backlog of every socket quiesce binds (SUPERVISOR.listen_backlog). */
  listenBacklog: 1024,
  /** SERVICES `prefork`: idle workers kept ready (Cyrus default). */
  prefork: 0,
  /** SERVICES `maxchild`: cap on live workers, -1 = unlimited (Cyrus default). */
  maxchild: -1,
  /** SERVICES `maxforkrate`: forks per second, 0 = unlimited (Cyrus default). */
  maxforkrate: 0,
  /** SERVICES `maxfds`: RLIMIT_NOFILE for workers, 0 = inherit (Cyrus default). */
  maxfds: 0,
  /** Ready-fails (a worker dying before taking a connection) that disable a service (SUPERVISOR.ready_fail_limit). */
  readyFailLimit: 5,
  /** ...when each comes within this interval of the previous one (SUPERVISOR.ready_fail_interval). */
  readyFailIntervalMs: 10_000,
  /** DAEMON `wait: true`: how long to wait for `ok\r\n` on fd 3 (entry `wait_timeout`). */
  waitTimeoutMs: 10_000,
  /** Prometheus /metrics port on 127.0.0.1; 0 = off (SUPERVISOR.metrics_port). */
  metricsPort: 0,
  /** The signal that means "graceful stop" (SUPERVISOR.graceful_signal); SIGTERM in containers. */
  gracefulSignal: 'SIGQUIT' as 'SIGQUIT' | 'SIGTERM',
  /** Children get SIGTERM if quiesce itself dies (setpriv --pdeathsig) (SUPERVISOR.pdeathsig). */
  pdeathsig: true,
  /** Shutdown: how long the rolling sync_client may take to empty the sync logs (SUPERVISOR.sync_drain_timeout). */
  syncDrainTimeoutMs: 60_000,
  /** Running: how often the sync log backlog is checked (SUPERVISOR.sync_backlog_interval). */
  syncBacklogIntervalMs: 10_000,
  /** Backlog warning: bytes pending in a channel (about "a couple of minutes behind") (SUPERVISOR.sync_backlog_warn_bytes). */
  syncBacklogWarnBytes: 10_240,
  /** ...or age of its oldest pending entry (SUPERVISOR.sync_backlog_warn_age). */
  syncBacklogWarnAgeMs: 120_000,
  /** Backlog critical (page someone): bytes (about "twenty minutes behind") (SUPERVISOR.sync_backlog_critical_bytes). */
  syncBacklogCriticalBytes: 102_400,
  /** ...or age (SUPERVISOR.sync_backlog_critical_age). */
  syncBacklogCriticalAgeMs: 1_200_000,
} as const;

/** The five process sections of a config, in the order they are started. */
export type Section = 'START' | 'SERVICES' | 'EVENTS' | 'DAEMON' | 'SHUTDOWN';

/** How a command is run: what every entry of every section has. */
export interface CommandSpec {
  /** Entry name, unique within its section. */
  readonly name: string;
  readonly section: Section;
  /** The `cmd` as written in the file. */
  readonly cmd: string;
  /** argv with argv[0] resolved to an absolute path; `['/bin/sh','-c',cmd]` when `shell: true`. */
  readonly argv: readonly string[];
  readonly shell: boolean;
  /** Extra environment on top of quiesce's own. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string | undefined;
  readonly stopSignal: NodeJS.Signals;
  readonly quitTimeoutMs: number;
  readonly termTimeoutMs: number;
  /** The user it runs as (with `group`); undefined: as quiesce itself. */
  readonly user: string | undefined;
  readonly group: string | undefined;
  /** 1-based line of the entry in the file, for messages. */
  readonly line: number;
}

/** A listening address of a SERVICES entry. */
export type ListenAddress =
  | { readonly kind: 'tcp'; readonly host: string | undefined; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

export type Proto = 'tcp' | 'tcp4' | 'tcp6' | 'udp' | 'udp4' | 'udp6';

/**
 * A datagram service (SOCK_DGRAM), as Cyrus master reads cyrus.conf: proto udp/udp4/udp6, or a
 * unix path with any proto but tcp (Debian's notify: `listen="/run/cyrus/socket/notify" proto="udp"`).
 */
export const isDatagram = (listen: ListenAddress | undefined, proto: Proto): boolean =>
  listen !== undefined && (proto.startsWith('udp') || (listen.kind === 'unix' && proto !== 'tcp'));

/** START: run once, in order, each must exit 0. */
export interface StartEntry extends CommandSpec {
  readonly section: 'START';
  readonly timeoutMs: number;
}

/** SERVICES: a pool of long-running servers. */
export interface ServiceEntry extends CommandSpec {
  readonly section: 'SERVICES';
  /** As written (`127.0.0.1:1143`, `imap`, `/run/cyrus/lmtp`), absent for a plain process pool. */
  readonly listenSpec: string | undefined;
  readonly listen: ListenAddress | undefined;
  readonly proto: Proto;
  readonly prefork: number;
  /** -1 = unlimited. */
  readonly maxchild: number;
  /** 0 = unlimited. */
  readonly maxforkrate: number;
  readonly babysit: boolean;
  /** 0 = inherit. */
  readonly maxfds: number;
}

/** When an EVENTS entry runs. */
export type Schedule =
  | { readonly kind: 'period'; readonly periodMs: number }
  | { readonly kind: 'at'; readonly hour: number; readonly minute: number }
  /** A crontab expression (config/cron.ts), normalised. */
  | { readonly kind: 'cron'; readonly expression: string };

/** EVENTS: run periodically, never overlapping with itself. */
export interface EventEntry extends CommandSpec {
  readonly section: 'EVENTS';
  readonly schedule: Schedule;
}

/** DAEMON: kept running, restarted with a backoff. */
export interface DaemonEntry extends CommandSpec {
  readonly section: 'DAEMON';
  /** Started before the services, must write `ok\r\n` on fd 3 within waitTimeoutMs. */
  readonly wait: boolean;
  readonly waitTimeoutMs: number;
}

/** SHUTDOWN: run in order after every child has exited, each bounded by its timeout. */
export interface ShutdownEntry extends CommandSpec {
  readonly section: 'SHUTDOWN';
  readonly timeoutMs: number;
}

export type Entry = StartEntry | ServiceEntry | EventEntry | DaemonEntry | ShutdownEntry;

/** SUPERVISOR settings, all defaulted. */
export interface SupervisorSettings {
  readonly pidfile: string;
  /** Created once the instance is ready, removed once its shutdown has finished (master's ready file); none when undefined. */
  readonly readyFile: string | undefined;
  /** Who SERVICES, EVENTS, DAEMON and SHUTDOWN children run as; undefined: as quiesce itself. */
  readonly user: string | undefined;
  /** Their group; undefined: the user's own group. */
  readonly group: string | undefined;
  readonly logFile: string | undefined;
  readonly quitTimeoutMs: number;
  readonly termTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly startTimeoutMs: number;
  readonly progressIntervalMs: number;
  readonly restartDelayMs: number;
  readonly restartMaxDelayMs: number;
  readonly restartResetAfterMs: number;
  readonly restartGiveUpCount: number;
  readonly binDir: string;
  readonly cyrusConfig: string | undefined;
  readonly listenBacklog: number;
  readonly readyFailLimit: number;
  readonly readyFailIntervalMs: number;
  /** Control socket path; default: the pidfile's path with `.sock` instead of `.pid`. */
  readonly controlSocket: string;
  /** Where the shutdown report (JSON) is written; default: the pidfile's path with `.report.json`. */
  readonly reportFile: string;
  /** 0 = no metrics endpoint. */
  readonly metricsPort: number;
  readonly gracefulSignal: 'SIGQUIT' | 'SIGTERM';
  /** A unix datagram socket to receive the Cyrus programs' syslog lines on (e.g. /dev/log), or none. */
  readonly syslogSocket: string | undefined;
  readonly pdeathsig: boolean;
  readonly syncDrainTimeoutMs: number;
  readonly syncBacklogIntervalMs: number;
  readonly syncBacklogWarnBytes: number;
  readonly syncBacklogWarnAgeMs: number;
  readonly syncBacklogCriticalBytes: number;
  readonly syncBacklogCriticalAgeMs: number;
}

/** A validated config: entries keep the file's order. */
export interface Config {
  /** Absolute path of the file it was read from. */
  readonly file: string;
  readonly supervisor: SupervisorSettings;
  /** The Cyrus instance's imapd.conf settings (SUPERVISOR.cyrus_config), read with the config; undefined without one. */
  readonly cyrus: CyrusSettings | undefined;
  /** What a cyrus.conf read directly has that Cyrus ignores and quiesce drops (logged at start; `check` prints them). */
  readonly warnings: readonly Diagnostic[];
  readonly start: readonly StartEntry[];
  readonly services: readonly ServiceEntry[];
  readonly events: readonly EventEntry[];
  readonly daemons: readonly DaemonEntry[];
  readonly shutdown: readonly ShutdownEntry[];
}
