// The closed vocabulary of log events, and the one module that writes to stdout/stderr.
import pino, { type DestinationStream, type Level } from 'pino';
import type { Section } from './config/types.js';

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

/** The human sentence of an event (`msg`); the structured fields carry the same facts. */
function describe(e: LogEvent): string {
  switch (e.event) {
    case 'supervisor.starting':
      return `quiesce ${e.version} starting with ${e.config} (pid ${e.supervisorPid})`;
    case 'supervisor.running':
      return `running; ${e.stopHint}`;
    case 'supervisor.exit':
      return `exiting with code ${e.code}: ${e.reason}`;
    case 'supervisor.error':
      return `internal error: ${e.message}`;
    case 'config.invalid':
      return `invalid config ${e.file}:\n  ${e.diagnostics.join('\n  ')}`;
    case 'config.reloaded':
      return `reloaded ${e.file}: added [${e.added.join(', ')}], removed [${e.removed.join(', ')}], changed [${e.changed.join(', ')}]`;
    case 'config.reload-rejected':
      return `reload rejected, keeping the running config; ${e.file}:\n  ${e.diagnostics.join('\n  ')}`;
    case 'signal.received':
      return `got ${e.signal}: ${e.action}`;
    case 'log.reopened':
      return `log file ${e.file} reopened`;
    case 'child.started':
      return `${e.section} ${e.entry}[${e.pid}] started: ${e.cmd}`;
    case 'child.spawn-failed':
      return `${e.section} ${e.entry} could not be started: ${e.message}`;
    case 'child.output':
      return `${e.entry}[${e.pid}] ${e.line}`;
    case 'child.exited':
      return `${e.section} ${e.entry}[${e.pid}] exited (${e.signal ?? `code ${e.code}`}) after ${e.durationMs} ms${e.expected ? '' : ', unexpectedly'}`;
    case 'child.signalled':
      return `sent ${e.signal} to ${e.entry}[${e.pid}] (${e.step})${e.stragglers > 0 ? ` and ${e.stragglers} process(es) that left its group` : ''}`;
    case 'start.begin':
      return `START ${e.entry}: running (timeout ${e.timeoutMs} ms)`;
    case 'start.failed':
      return `START ${e.entry} failed (${e.outcome}); not starting anything else`;
    case 'start.interrupted':
      return `START ${e.entry} interrupted by a shutdown signal`;
    case 'daemon.restart-scheduled':
      return `DAEMON ${e.entry}: restarting in ${e.delayMs} ms (${e.failures} quick failure(s) in a row)`;
    case 'daemon.given-up':
      return `DAEMON ${e.entry}: giving up after ${e.failures} quick failures in a row; SIGHUP to retry`;
    case 'daemon.not-ready':
      return `DAEMON ${e.entry} (wait: true) ${e.reason}; not starting anything else`;
    case 'event.skipped':
      return `EVENT ${e.entry}: previous run ${e.entry}[${e.runningPid}] still running, skipping this run`;
    case 'service.worker-lost':
      return `SERVICE ${e.entry}: worker ${e.pid} exited${e.replacing ? ', starting a replacement' : ''}`;
    case 'service.disabled':
      return `SERVICE ${e.entry} DISABLED until the next reload (SIGHUP): ${e.reason}`;
    case 'service.watcher-lost':
      return `SERVICE ${e.entry}: the on-demand watcher stopped (${e.reason}); only prefork workers will serve`;
    case 'service.bind-failed':
      return e.message;
    case 'service.listening':
      return `SERVICE ${e.entry} listening on ${e.address} (backlog ${e.backlog})`;
    case 'service.closed':
      return `SERVICE ${e.entry} stopped listening on ${e.address}: new clients are refused`;
    case 'shutdown.begin':
      return `${e.mode} shutdown begins (${e.trigger})`;
    case 'shutdown.step':
      return `shutdown step ${e.step}: ${e.detail}`;
    case 'shutdown.waiting':
      return `waiting for ${e.count} ${e.count === 1 ? 'child' : 'children'}: ${e.children.join(', ')}` +
        (e.nextEscalationInMs === null ? '' : ` (next escalation in ${Math.ceil(e.nextEscalationInMs / 1000)} s)`);
    case 'shutdown.escalate':
      return `shutdown escalated to ${e.level} (${e.trigger})`;
    case 'shutdown.command-begin':
      return `SHUTDOWN ${e.entry}: running (timeout ${e.timeoutMs} ms)`;
    case 'shutdown.command-done':
      return `SHUTDOWN ${e.entry}: ${e.outcome} after ${e.durationMs} ms`;
    case 'shutdown.command-skipped':
      return `SHUTDOWN ${e.entry}: skipped (${e.reason})`;
    case 'shutdown.stragglers':
      return `killed ${e.pids.length} leftover process(es) started by quiesce: ${e.pids.join(', ')}`;
    case 'shutdown.done':
      return `shutdown done in ${e.durationMs} ms, exit code ${e.exitCode}: ${e.verdict}`;
    case 'control.listening':
      return `control socket ${e.path} ready (quiesce status|stop|reload|escalate)`;
    case 'control.failed':
      return `no control socket at ${e.path}: ${e.message}; signals still work`;
    case 'notify.unavailable':
      return `systemd notification unavailable: ${e.message}`;
    case 'metrics.listening':
      return `metrics on http://${e.address}/metrics`;
    case 'metrics.failed':
      return `metrics endpoint not started: ${e.message}`;
    case 'report.written':
      return `shutdown report written to ${e.file} (${e.safeToFailOver ? 'safe' : 'NOT safe'} to fail over)`;
    case 'report.failed':
      return `shutdown report not written to ${e.file}: ${e.message}`;
    case 'syslog.listening':
      return `receiving syslog on ${e.path}`;
    case 'syslog.failed':
      return `syslog socket ${e.path} not started: ${e.message}`;
    case 'syslog.line':
      return `${e.program}[${e.pid ?? '-'}] ${e.severity}: ${e.message}`;
    case 'syslog.lost':
      return `syslog sink stopped (${e.reason}); Cyrus log lines are lost from now on`;
    case 'leftovers.found':
      return `${e.pids.length} process(es) left by an earlier quiesce that died: ${e.pids.map((p, i) => `${p} (${e.cmdlines[i] ?? ''})`).join(', ')}`;
    case 'replication.backlog':
      return `waiting for sync_client to drain the sync logs (${Math.ceil(e.remainingMs / 1000)} s left): ${e.channels.join('; ')}`;
    case 'replication.drained':
      return `sync logs drained in ${e.durationMs} ms: every change reached the replica`;
    case 'replication.not-drained':
      return `sync logs not drained (${e.reason}): ${e.backlog.join('; ')}`;
    case 'replication.verified':
      return `verified: nothing left to replicate in ${e.channels} channel(s)`;
    case 'replication.left':
      return `NOT replicated: ${e.backlog.join('; ')}`;
    case 'replication.config-error':
      return `replication not watched: ${e.message}`;
    case 'replication.recovered':
      return `sync log channel ${e.channel === '' ? '(default)' : e.channel}: a log-run no sync_client was working on was replayed: ${e.empty ? 'channel empty now' : `not emptied (${e.detail})`}`;
    case 'replication.backlog-level':
      return `sync log channel ${e.channel === '' ? '(default)' : e.channel}: backlog ${e.from} -> ${e.to.toUpperCase()} (${e.lines} lines, ${e.bytes} bytes${e.oldestAgeMs === null ? '' : `, oldest ${Math.round(e.oldestAgeMs / 1000)} s`})${e.reasons.length > 0 ? `: ${e.reasons.join(', ')}` : ''}`;
    default:
      return ((x: never) => String(x))(e);
  }
}

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
