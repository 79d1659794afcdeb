// The closed vocabulary of log events: every event, its fields and its level. log.ts writes them,
// log-text.ts says each as a sentence.
import type { Level } from 'pino';
import type { Section } from './config/types.js';

/** A step of the stop ladder (child/terminate.ts): `escalation`, never `level`, which is the log level. */
type StopStepName = 'stop' | 'term' | 'kill';

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
  | { event: 'supervisor.fork-server-error'; message: string }
  | { event: 'config.invalid'; file: string; diagnostics: readonly string[] }
  | { event: 'config.warning'; file: string; diagnostic: string }
  | { event: 'config.reloaded'; file: string; generation: number; added: readonly string[]; removed: readonly string[]; changed: readonly string[]; ignored: readonly string[]; applying: readonly string[] }
  | { event: 'config.reload-rejected'; file: string; generation: number; diagnostics: readonly string[] }
  | { event: 'signal.received'; signal: string; action: string }
  | { event: 'signal.ignored'; signal: string }
  | { event: 'log.reopened'; file: string; reason: string }
  | { event: 'log.failed'; file: string; error: string }
  | { event: 'log.recovered'; file: string; error: string; failedForMs: number; fallbackLines: number; droppedLines: number }
  | ({ event: 'child.started'; cmd: string; worker: boolean } & ChildRef)
  | ({ event: 'child.spawn-failed'; message: string } & Omit<ChildRef, 'pid'>)
  | ({ event: 'child.output'; stream: 'stdout' | 'stderr'; line: string } & ChildRef)
  | ({ event: 'child.exited'; code: number | null; signal: string | null; durationMs: number; expected: boolean; worker: boolean } & ChildRef)
  | ({ event: 'child.signalled'; signal: string; step: string; stragglers: number; worker: boolean } & ChildRef)
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
  | { event: 'shutdown.waiting'; step: string; count: number; children: readonly string[]; escalation: StopStepName; nextEscalationInMs: number | null }
  | { event: 'shutdown.escalate'; escalation: StopStepName; trigger: string }
  | { event: 'shutdown.command-begin'; entry: string; timeoutMs: number; budgetMs: number }
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
  | { event: 'replication.replica-down'; channel: string; entry: string; address: string; probing: boolean; line: string }
  | { event: 'replication.replica-back'; channel: string; address: string; downForMs: number; woken: number; restarted: number }
  | { event: 'replication.sync-error'; channel: string; mailbox: string | null; user: string | null; reason: string; replay: string }
  | { event: 'replication.sync-recovered'; channel: string; mailbox: string | null; user: string | null; count: number; failedForMs: number }
  | { event: 'replication.backlog-level'; channel: string; from: string; to: string; bytes: number; lines: number; oldestAgeMs: number | null; reasons: readonly string[] };

export type LogEventName = LogEvent['event'];

type LevelRule<K extends LogEventName> = Level | ((e: Extract<LogEvent, { event: K }>) => Level);

/** The level of an event, from the table. */
export function levelOf(e: LogEvent): Level {
  const rule = LEVEL[e.event] as LevelRule<LogEventName>;
  return typeof rule === 'function' ? rule(e) : rule;
}

/**
 * Level of each event; a table rather than a choice made at each call site. A SERVICES worker's
 * start and normal exit are debug: a busy server recycles workers all the time (`imapd -U 30`).
 */
export const LEVEL: { readonly [K in LogEventName]: LevelRule<K> } = {
  'supervisor.starting': 'info',
  'supervisor.running': 'info',
  'supervisor.exit': 'info',
  'supervisor.error': 'fatal',
  'supervisor.fork-server-error': 'error',
  'config.invalid': 'error',
  'config.warning': 'warn',
  'config.reloaded': 'info',
  'config.reload-rejected': 'error',
  'signal.received': 'info',
  'signal.ignored': 'warn',
  'log.reopened': 'info',
  'log.failed': 'error',
  'log.recovered': 'warn',
  'child.started': (e) => (e.worker ? 'debug' : 'info'),
  'child.spawn-failed': 'error',
  'child.output': 'info',
  'child.exited': (e) => (e.worker && e.expected ? 'debug' : 'info'),
  // a worker's stop signal, as its start and exit: a stop of 500 idle workers would log 500 lines
  'child.signalled': (e) => (e.worker && e.step === 'stop' && e.stragglers === 0 ? 'debug' : 'info'),
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
  'replication.replica-down': 'warn',
  'replication.replica-back': 'info',
  'replication.sync-error': 'error',
  'replication.sync-recovered': 'info',
};

