// The one module that writes to stdout/stderr: the logger over the closed vocabulary of log-events.ts.
import { levelOf, type LogEvent } from './log-events.js';
import { err, ok, unreachable, type Result } from './errors.js';
import { LogSink, type LogSinkStatus, type SinkChange } from './log-sink.js';
import { describe } from './log-text.js';
import { safeText } from './safe-text.js';

export type { LogEvent, LogEventName } from './log-events.js';

/** Where and how logs are written (CLI options + SUPERVISOR.log_file). */
export interface LogOptions {
  readonly format: 'json' | 'pretty';
  /** Log file path; stderr when undefined. */
  readonly file: string | undefined;
  /** Lowest level written (default info). */
  readonly level?: LogLevel;
}

/** The levels `--log-level` takes. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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
 * pino itself is loaded here, not with this module: the commands that only print (`print`) start
 * without it.
 */
export async function createLog(opts: LogOptions): Promise<Result<Log, string>> {
  const opened = LogSink.open(opts.file);
  if (!opened.ok) return err(`cannot open log file ${opts.file ?? ''}: ${opened.error}`);
  const sink = opened.value;
  let format = (line: string): string => line;
  if (opts.format === 'pretty') {
    const { prettyFactory } = await import('pino-pretty');
    // the sentence only: it says what the fields say (the JSON format keeps every field)
    const pretty = prettyFactory({ colorize: opts.file === undefined && process.stderr.isTTY, hideObject: true, ignore: 'pid', translateTime: 'HH:MM:ss.l' });
    format = (line) => pretty(line);
  }
  const { default: pino } = await import('pino');
  const logger = pino({ base: undefined, timestamp: pino.stdTimeFunctions.isoTime, level: opts.level ?? 'info' }, { write: (line: string) => sink.write(format(line)) });
  const listeners = bus();
  let reporting = false;
  const write = (e: LogEvent): void => {
    // The sentence is for people: escape what would drive a terminal; the fields stay exact.
    logger[levelOf(e)]({ ...e }, safeText(describe(e)));
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
