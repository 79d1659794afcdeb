// The validated, frozen config that runtime code sees (its defaults are in src/defaults.ts).
import type { Diagnostic } from '../errors.js';
import type { CyrusSettings } from './cyrus-settings.js';

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
