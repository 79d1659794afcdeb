// The closed vocabulary of log events, and the one module that writes to stdout/stderr.
import pino, { type DestinationStream, type Level } from 'pino';
import type { Section } from './config/types.js';
import { describe } from './log-text.js';

/** Which child a line is about: entry name and pid, the fields operators grep for. */
interface ChildRef {
  readonly entry: string;
  readonly section: Section;
  readonly pid: number;
}

/**
 * Every line quiesce logs. The `event` names and their fields are an interface (README "Log
 * events"): operators and tests wait for them, so rename nothing without updating both.
 */
export type LogEvent =
  | { event: 'supervisor.starting'; config: string; supervisorPid: number; version: string }
  | { event: 'supervisor.running'; supervisorPid: number; stopHint: string }
  | { event: 'supervisor.exit'; code: number; reason: string }
  | { event: 'supervisor.error'; message: string }
  | { event: 'config.invalid'; file: string; diagnostics: readonly string[] }
  | { event: 'config.reloaded'; file: string; added: readonly string[]; removed: readonly string[]; changed: readonly string[]; ignored: readonly string[] }
  | { event: 'config.reload-rejected'; file: string; diagnostics: readonly string[] }
  | { event: 'signal.received'; signal: string; action: string }
  | { event: 'log.reopened'; file: string }
  | ({ event: 'child.started'; cmd: string } & ChildRef)
  | ({ event: 'child.spawn-failed'; message: string } & Omit<ChildRef, 'pid'>)
  | ({ event: 'child.output'; stream: 'stdout' | 'stderr'; line: string } & ChildRef)
  | ({ event: 'child.exited'; code: number | null; signal: string | null; durationMs: number; expected: boolean } & ChildRef)
  | ({ event: 'child.signalled'; signal: string; step: string; stragglers: number } & ChildRef)
  | { event: 'start.begin'; entry: string; timeoutMs: number }
  | { event: 'start.failed'; entry: string; outcome: string; stderrTail: readonly string[] }
  | { event: 'start.interrupted'; entry: string }
  | { event: 'daemon.restart-scheduled'; entry: string; delayMs: number; failures: number }
  | { event: 'daemon.given-up'; entry: string; failures: number }
  | { event: 'daemon.not-ready'; entry: string; reason: string }
  | { event: 'event.skipped'; entry: string; runningPid: number }
  | { event: 'service.worker-lost'; entry: string; pid: number; replacing: boolean }
  | { event: 'service.disabled'; entry: string; reason: string }
  | { event: 'service.watcher-lost'; entry: string; reason: string }
  | { event: 'service.bind-failed'; entry: string; message: string }
  | { event: 'service.listening'; entry: string; address: string; backlog: number }
  | { event: 'service.closed'; entry: string; address: string }
  | { event: 'shutdown.begin'; mode: 'graceful' | 'fast'; trigger: string }
  | { event: 'shutdown.step'; step: string; detail: string }
  | { event: 'shutdown.waiting'; step: string; count: number; children: readonly string[]; level: string; nextEscalationInMs: number | null }
  | { event: 'shutdown.escalate'; level: string; trigger: string }
  | { event: 'shutdown.command-begin'; entry: string; timeoutMs: number }
  | { event: 'shutdown.command-done'; entry: string; outcome: string; ok: boolean; durationMs: number; stderrTail: readonly string[] }
  | { event: 'shutdown.command-skipped'; entry: string; reason: string }
  | { event: 'shutdown.stragglers'; pids: readonly number[] }
  | { event: 'shutdown.done'; exitCode: number; verdict: string; durationMs: number; escalated: readonly string[]; failedCommands: readonly string[] }
  | { event: 'control.listening'; path: string }
  | { event: 'control.failed'; path: string; message: string }
  | { event: 'notify.unavailable'; message: string }
  | { event: 'metrics.listening'; address: string }
  | { event: 'metrics.failed'; message: string }
  | { event: 'report.written'; file: string; safeToFailOver: boolean }
  | { event: 'report.failed'; file: string; message: string }
  | { event: 'syslog.listening'; path: string }
  | { event: 'syslog.failed'; path: string; message: string }
  | { event: 'syslog.line'; program: string; pid: number | null; severity: string; message: string }
  | { event: 'syslog.lost'; reason: string }
  | { event: 'leftovers.found'; pids: readonly number[]; cmdlines: readonly string[] }
  | { event: 'replication.backlog'; channels: readonly string[]; remainingMs: number }
  | { event: 'replication.drained'; durationMs: number }
  | { event: 'replication.not-drained'; reason: string; backlog: readonly string[] }
  | { event: 'replication.verified'; channels: number }
  | { event: 'replication.left'; backlog: readonly string[] }
  | { event: 'replication.config-error'; message: string }
  | { event: 'replication.recovered'; channel: string; empty: boolean; detail: string }
  | { event: 'replication.backlog-level'; channel: string; from: string; to: string; bytes: number; lines: number; oldestAgeMs: number | null; reasons: readonly string[] };

export type LogEventName = LogEvent['event'];

/** Level of each event; a table rather than a choice made at each call site. */
const LEVEL: Record<LogEventName, Level> = {
  'supervisor.starting': 'info',
  'supervisor.running': 'info',
  'supervisor.exit': 'info',
  'supervisor.error': 'fatal',
  'config.invalid': 'error',
  'config.reloaded': 'info',
  'config.reload-rejected': 'error',
  'signal.received': 'info',
  'log.reopened': 'info',
  'child.started': 'info',
  'child.spawn-failed': 'error',
  'child.output': 'info',
  'child.exited': 'info',
  'child.signalled': 'info',
  'start.begin': 'info',
  'start.failed': 'error',
  'start.interrupted': 'warn',
  'daemon.restart-scheduled': 'warn',
  'daemon.given-up': 'error',
  'daemon.not-ready': 'error',
  'event.skipped': 'warn',
  'service.worker-lost': 'warn',
  'service.disabled': 'error',
  'service.watcher-lost': 'error',
  'service.bind-failed': 'error',
  'service.listening': 'info',
  'service.closed': 'info',
  'shutdown.begin': 'info',
  'shutdown.step': 'info',
  'shutdown.waiting': 'info',
  'shutdown.escalate': 'warn',
  'shutdown.command-begin': 'info',
  'shutdown.command-done': 'info',
  'shutdown.command-skipped': 'error',
  'shutdown.stragglers': 'warn',
  'shutdown.done': 'info',
  'control.listening': 'info',
  'control.failed': 'error',
  'notify.unavailable': 'warn',
  'metrics.listening': 'info',
  'metrics.failed': 'error',
  'report.written': 'info',
  'report.failed': 'error',
  'syslog.listening': 'info',
  'syslog.failed': 'error',
  'syslog.line': 'info',
  'syslog.lost': 'error',
  'leftovers.found': 'warn',
  'replication.backlog': 'info',
  'replication.drained': 'info',
  'replication.not-drained': 'warn',
  'replication.verified': 'info',
  'replication.left': 'error',
  'replication.config-error': 'error',
  'replication.backlog-level': 'warn',
  'replication.recovered': 'warn',
};

/** Where and how logs are written (CLI options + SUPERVISOR.log_file). */
export interface LogOptions {
  readonly format: 'json' | 'pretty';
  /** Log file path; stderr when undefined. */
  readonly file: string | undefined;
}

/** The logger every module receives: typed events only. */
export interface Log {
  emit(e: LogEvent): void;
  /** Reopens the log file (logrotate); a no-op on stderr. */
  reopen(): void;
  /** Also hands every event to `listener` (control socket, metrics, notify); returns the unsubscribe. */
  subscribe(listener: (e: LogEvent) => void): () => void;
}

/** The listeners part of a Log. */
function bus(): { publish: (e: LogEvent) => void; subscribe: (l: (e: LogEvent) => void) => () => void } {
  const listeners = new Set<(e: LogEvent) => void>();
  return {
    publish: (e) => {
      for (const l of listeners) l(e);
    },
    subscribe: (l) => {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
  };
}

/**
 * Builds the pino logger. Writes are synchronous so nothing is lost on exit or SIGKILL escalation.
 * pino-pretty (and what it pulls in) is loaded only for the pretty format: a supervisor logging
 * JSON, as in production, does not carry it in memory.
 */
export async function createLog(opts: LogOptions): Promise<Log> {
  const file = opts.file;
  const dest = pino.destination({ dest: file ?? 2, sync: true, mkdir: file !== undefined });
  let stream: DestinationStream = dest;
  if (opts.format === 'pretty') {
    const { default: pretty } = await import('pino-pretty');
    stream = pretty({ destination: dest, sync: true, colorize: file === undefined && process.stderr.isTTY, ignore: 'event,entry,section,pid,stream,line', translateTime: 'HH:MM:ss.l' });
  }
  const logger = pino({ base: undefined, timestamp: pino.stdTimeFunctions.isoTime, level: 'info' }, stream);
  const listeners = bus();
  return {
    emit(e) {
      logger[LEVEL[e.event]]({ ...e }, describe(e));
      listeners.publish(e);
    },
    reopen() {
      if (file === undefined) return;
      dest.reopen();
      const e: LogEvent = { event: 'log.reopened', file };
      logger.info({ ...e }, describe(e));
      listeners.publish(e);
    },
    subscribe: listeners.subscribe,
  };
}

/** Plain text for commands that talk to a person (check, convert): stdout or stderr. */
export const print = {
  out: (text: string): void => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text: string): void => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** A logger that keeps events in memory, for unit tests. */
export function memoryLog(): Log & { readonly events: LogEvent[] } {
  const events: LogEvent[] = [];
  const listeners = bus();
  return {
    events,
    emit: (e) => {
      events.push(e);
      listeners.publish(e);
    },
    reopen: () => undefined,
    subscribe: listeners.subscribe,
  };
}
