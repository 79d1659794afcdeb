// The closed vocabulary of log events, and the one module that writes to stdout/stderr.
import pino, { type Level } from 'pino';
import type { Section } from './config/types.js';
import { err, ok, unreachable, type Result } from './errors.js';
import { LogSink, type LogSinkStatus, type SinkChange } from './log-sink.js';
import { describe } from './log-text.js';
import { safeText } from './safe-text.js';

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
  | { event: 'config.warning'; file: string; diagnostic: string }
  | { event: 'config.reloaded'; file: string; generation: number; added: readonly string[]; removed: readonly string[]; changed: readonly string[]; ignored: readonly string[]; applying: readonly string[] }
  | { event: 'config.reload-rejected'; file: string; generation: number; diagnostics: readonly string[] }
  | { event: 'signal.received'; signal: string; action: string }
  | { event: 'signal.ignored'; signal: string }
  | { event: 'log.reopened'; file: string; reason: string }
  | { event: 'log.failed'; file: string; error: string }
  | { event: 'log.recovered'; file: string; error: string; failedForMs: number; fallbackLines: number; droppedLines: number }
  | ({ event: 'child.started'; cmd: string } & ChildRef)
  | ({ event: 'child.spawn-failed'; message: string } & Omit<ChildRef, 'pid'>)
  | ({ event: 'child.output'; stream: 'stdout' | 'stderr'; line: string } & ChildRef)
  | ({ event: 'child.exited'; code: number | null; signal: string | null; durationMs: number; expected: boolean } & ChildRef)
  | ({ event: 'child.signalled'; signal: string; step: string; stragglers: number } & ChildRef)
  | { event: 'start.begin'; entry: string; timeoutMs: number }
  | { event: 'start.failed'; entry: string; outcome: string; stderrTail: readonly string[] }
  | { event: 'start.interrupted'; entry: string }
  | { event: 'daemon.restart-scheduled'; entry: string; delayMs: number; failures: number }
  | { event: 'daemon.retrying'; entry: string; failures: number; everyMs: number }
  | { event: 'daemon.not-ready'; entry: string; reason: string }
  | { event: 'event.skipped'; entry: string; runningPid: number }
  | { event: 'event.behind'; entry: string; skipped: number; lateMs: number }
  | { event: 'service.worker-lost'; entry: string; pid: number; replacing: boolean }
  | { event: 'service.disabled'; entry: string; reason: string }
  | { event: 'service.cooling'; entry: string; reason: string; waitMs: number }
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
  | { event: 'leftovers.found'; pids: readonly number[]; cmdlines: readonly string[]; previousPid: number | null; stopping: readonly number[] }
  | { event: 'leftovers.stopped'; pids: readonly number[]; killed: readonly number[]; durationMs: number }
  | { event: 'cyrus.proc-swept'; dir: string; pids: readonly number[] }
  | { event: 'cyrus.report-failed'; message: string }
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
  'config.warning': 'warn',
  'config.reloaded': 'info',
  'config.reload-rejected': 'error',
  'signal.received': 'info',
  'signal.ignored': 'warn',
  'log.reopened': 'info',
  'log.failed': 'error',
  'log.recovered': 'warn',
  'child.started': 'info',
  'child.spawn-failed': 'error',
  'child.output': 'info',
  'child.exited': 'info',
  'child.signalled': 'info',
  'start.begin': 'info',
  'start.failed': 'error',
  'start.interrupted': 'warn',
  'daemon.restart-scheduled': 'warn',
  'daemon.retrying': 'error',
  'daemon.not-ready': 'error',
  'event.skipped': 'warn',
  'event.behind': 'warn',
  'service.worker-lost': 'warn',
  'service.disabled': 'error',
  'service.cooling': 'error',
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
  'leftovers.stopped': 'warn',
  'cyrus.proc-swept': 'info',
  'cyrus.report-failed': 'error',
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
  /** Whether lines are reaching the log, and how many did not (status, metrics). */
  status(): LogSinkStatus;
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

/** The event a change of the sink's state is logged as. */
function eventOfChange(c: SinkChange, target: string): LogEvent {
  switch (c.kind) {
    case 'failed':
      return { event: 'log.failed', file: target, error: c.error };
    case 'recovered':
      return { event: 'log.recovered', file: target, error: c.error, failedForMs: c.failedForMs, fallbackLines: c.fallbackLines, droppedLines: c.droppedLines };
    case 'reopened':
      return { event: 'log.reopened', file: target, reason: c.reason };
    default:
      return unreachable(c);
  }
}

/**
 * Builds the logger over a LogSink: every write is synchronous and none throws (see log-sink.ts).
 * pino-pretty is loaded only for the pretty format: a supervisor logging JSON, as in production,
 * does not carry it in memory. Its prettifier runs in-line, synchronously, on each JSON line.
 */
export async function createLog(opts: LogOptions): Promise<Result<Log, string>> {
  const opened = LogSink.open(opts.file);
  if (!opened.ok) return err(`cannot open log file ${opts.file ?? ''}: ${opened.error}`);
  const sink = opened.value;
  let format = (line: string): string => line;
  if (opts.format === 'pretty') {
    const { prettyFactory } = await import('pino-pretty');
    const pretty = prettyFactory({ colorize: opts.file === undefined && process.stderr.isTTY, ignore: 'event,entry,section,pid,stream,line', translateTime: 'HH:MM:ss.l' });
    format = (line) => pretty(line);
  }
  const logger = pino({ base: undefined, timestamp: pino.stdTimeFunctions.isoTime, level: 'info' }, { write: (line: string) => sink.write(format(line)) });
  const listeners = bus();
  let reporting = false;
  const write = (e: LogEvent): void => {
    // The sentence is for people: escape what would drive a terminal; the fields stay exact.
    logger[LEVEL[e.event]]({ ...e }, safeText(describe(e)));
    listeners.publish(e);
  };
  /** Logs each change of the sink once (a failure goes to the fallback, a recovery to the file again). */
  const report = (): void => {
    if (reporting) return;
    reporting = true;
    for (const c of sink.takeChanges()) write(eventOfChange(c, sink.status().target));
    reporting = false;
  };
  return ok({
    emit(e) {
      write(e);
      report();
    },
    reopen() {
      if (opts.file === undefined) return;
      sink.reopen();
      write({ event: 'log.reopened', file: opts.file, reason: 'SIGUSR1' });
      report();
    },
    subscribe: listeners.subscribe,
    status: () => sink.status(),
  });
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
    status: () => ({ target: 'memory', failing: false, error: undefined, sinceMs: undefined, failedWrites: 0, fallbackLines: 0, droppedLines: 0 }),
  };
}
