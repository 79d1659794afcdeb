// Prometheus metrics of a running quiesce: read from the status snapshot at scrape time and counted from log events.
//
// Metrics (README "Metrics"; names are an interface, like log event names):
//
//   quiesce_phase{phase}                                  gauge    1 for the current phase, 0 for the others
//   quiesce_uptime_seconds                                gauge    since the supervisor started
//   quiesce_unit_processes{entry,section}                 gauge    live processes of each entry
//   quiesce_service_workers{service,state}                gauge    state="ready" (idle, accepting) or "busy" (serving a client)
//   quiesce_child_starts_total{entry,section}             counter  processes started (forks)
//   quiesce_child_exits_total{entry,section,expected}     counter  processes exited; expected="false" = crash or unplanned
//   quiesce_service_workers_lost_total{service}           counter  workers that exited while the service was running
//   quiesce_service_disabled_total{service}               counter  services disabled by the ready-fail rule
//   quiesce_daemon_restarts_total{daemon}                 counter  DAEMON restarts scheduled after a failure
//   quiesce_config_reloads_total{result}                  counter  result="applied" or "rejected"
//   quiesce_shutdown_escalations_total{level}             counter  shutdown escalations (stop->term->kill), by level reached
//   quiesce_shutdown_commands_total{entry,result}         counter  SHUTDOWN commands run, result="ok" or "failed"
//   quiesce_shutdown_duration_seconds                     gauge    duration of the finished shutdown (absent before)
//   quiesce_shutdown_exit_code                            gauge    exit code the shutdown decided (absent before)
//   quiesce_sync_backlog_bytes{channel}                   gauge    replication master: bytes pending in sync/log, log-run and any other log* file
//   quiesce_sync_backlog_lines{channel}                   gauge    lines pending (one per change)
//   quiesce_sync_backlog_oldest_seconds{channel}          gauge    age of the oldest pending entry (0 when empty)
//   quiesce_sync_backlog_level{channel}                   gauge    0 ok, 1 warn, 2 critical (SUPERVISOR.sync_backlog_* thresholds)
//   quiesce_sync_skipped_users{channel}                   gauge    users sync_client skips (skipuser-<userid> files in the channel's directory)
//   quiesce_sync_errors_total{channel}                    counter  failure lines of the rolling sync_client (IOERROR, SYNCERROR, bailing out, ...)
//   quiesce_sync_failing_mailboxes{channel}               gauge    mailboxes and users it failed on that no completed batch settled since
//   quiesce_sync_replica_returns_total{channel}           counter  replica back after an outage: quiesce woke its rolling sync_client
//   quiesce_log_failing                                   gauge    1 while the log file cannot be written (lines go to stderr)
//   quiesce_log_write_failures_total                      counter  writes to the log that failed
//   quiesce_log_lines_lost_total{reason}                  counter  reason="fallback" (written to stderr instead) or "dropped"
//   quiesce_report_write_failures_total                   counter  shutdown reports that could not be written
//   quiesce_signals_ignored_total{signal}                 counter  signals with no meaning for quiesce, ignored
//
// A private Registry, never prom-client's global one, so nothing else in the process leaks in.
import { Counter, Gauge, Registry } from 'prom-client';
import type { LogEvent } from '../log.js';
import { TRANSITIONS, type PhaseKind } from '../supervisor/phase.js';
import type { StatusSnapshot } from '../supervisor/status.js';
import { channelLabel } from '../text.js';

const PHASES = Object.keys(TRANSITIONS) as PhaseKind[];

/** The metrics of one supervisor; feed `observe` every log event. */
export class QuiesceMetrics {
  readonly registry = new Registry();
  readonly #childStarts: Counter<'entry' | 'section'>;
  readonly #childExits: Counter<'entry' | 'section' | 'expected'>;
  readonly #workersLost: Counter<'service'>;
  readonly #disabled: Counter<'service'>;
  readonly #daemonRestarts: Counter<'daemon'>;
  readonly #reloads: Counter<'result'>;
  readonly #escalations: Counter<'level'>;
  readonly #commands: Counter<'entry' | 'result'>;
  readonly #shutdownSeconds: Gauge;
  readonly #shutdownExitCode: Gauge;
  readonly #reportFailures: Counter;
  readonly #replicaReturns: Counter<'channel'>;

  constructor(status: () => StatusSnapshot) {
    const registers = [this.registry];
    new Gauge({
      name: 'quiesce_phase', help: 'Current supervisor phase (1) among all phases (0).', labelNames: ['phase'], registers,
      collect() {
        const now = status().phase;
        for (const p of PHASES) this.set({ phase: p }, p === now ? 1 : 0);
      },
    });
    const backlog = (name: string, help: string, value: (c: NonNullable<StatusSnapshot['replication']>['channels'][number]) => number): void => {
      new Gauge({
        name, help, labelNames: ['channel'], registers,
        collect() {
          this.reset();
          for (const c of status().replication?.channels ?? []) this.set({ channel: channelLabel(c.channel) }, value(c));
        },
      });
    };
    backlog('quiesce_sync_backlog_bytes', 'Bytes pending in a sync log channel (log, log-run and any other log file).', (c) => c.bytes);
    backlog('quiesce_sync_backlog_lines', 'Lines (changes) pending in a sync log channel.', (c) => c.lines);
    backlog('quiesce_sync_backlog_oldest_seconds', 'Age of the oldest pending entry of a sync log channel.', (c) => (c.oldestAgeMs ?? 0) / 1000);
    backlog('quiesce_sync_backlog_level', 'Backlog level of a sync log channel: 0 ok, 1 warn, 2 critical.', (c) => ({ ok: 0, warn: 1, critical: 2 })[c.level] ?? 0);
    backlog('quiesce_sync_skipped_users', 'Users sync_client skips in a channel (skipuser files).', (c) => c.skippedUsers.length);
    backlog('quiesce_sync_failing_mailboxes', 'Mailboxes and users the rolling sync_client failed on that no completed batch settled since.', (c) => c.failing.filter((f) => f.mailbox !== null || f.user !== null).length);
    new Counter({
      name: 'quiesce_sync_errors_total', help: 'Failure lines of the rolling sync_client (IOERROR, SYNCERROR, bailing out, a failed mailbox or batch).', labelNames: ['channel'], registers,
      collect() {
        this.reset();
        for (const c of status().replication?.channels ?? []) this.inc({ channel: channelLabel(c.channel) }, c.syncErrors);
      },
    });
    new Gauge({
      name: 'quiesce_log_failing', help: 'Whether the log file cannot be written now (1; lines go to stderr).', registers,
      collect() {
        this.set(status().log.failing ? 1 : 0);
      },
    });
    // Counts kept by the log sink and the supervisor, exposed as counters: read at scrape time.
    new Counter({
      name: 'quiesce_log_write_failures_total', help: 'Writes to the log that failed.', registers,
      collect() {
        this.reset();
        this.inc(status().log.failedWrites);
      },
    });
    new Counter({
      name: 'quiesce_log_lines_lost_total', help: 'Log lines that did not reach the log: written to stderr instead (fallback) or dropped.', labelNames: ['reason'], registers,
      collect() {
        const l = status().log;
        this.reset();
        this.inc({ reason: 'fallback' }, l.fallbackLines);
        this.inc({ reason: 'dropped' }, l.droppedLines);
      },
    });
    new Counter({
      name: 'quiesce_signals_ignored_total', help: 'Signals that have no meaning for quiesce, ignored.', labelNames: ['signal'], registers,
      collect() {
        this.reset();
        for (const [signal, n] of Object.entries(status().ignoredSignals)) this.inc({ signal }, n);
      },
    });
    new Gauge({
      name: 'quiesce_uptime_seconds', help: 'Seconds since the supervisor started.', registers,
      collect() {
        this.set(status().uptimeMs / 1000);
      },
    });
    new Gauge({
      name: 'quiesce_unit_processes', help: 'Live processes of each entry.', labelNames: ['entry', 'section'], registers,
      collect() {
        this.reset(); // entries removed by a reload disappear
        for (const u of status().units) this.set({ entry: u.name, section: u.section }, u.pids.length);
      },
    });
    new Gauge({
      name: 'quiesce_service_workers', help: 'Workers of each listening service: ready (idle) or busy (serving).', labelNames: ['service', 'state'], registers,
      collect() {
        this.reset();
        for (const u of status().units) {
          if (u.readyCount !== undefined) this.set({ service: u.name, state: 'ready' }, u.readyCount);
          if (u.busyCount !== undefined) this.set({ service: u.name, state: 'busy' }, u.busyCount);
        }
      },
    });
    this.#childStarts = new Counter({ name: 'quiesce_child_starts_total', help: 'Processes started (forks).', labelNames: ['entry', 'section'], registers });
    this.#childExits = new Counter({ name: 'quiesce_child_exits_total', help: 'Processes exited; expected="false" means a crash or an unplanned exit.', labelNames: ['entry', 'section', 'expected'], registers });
    this.#workersLost = new Counter({ name: 'quiesce_service_workers_lost_total', help: 'Service workers that exited while the service was running.', labelNames: ['service'], registers });
    this.#disabled = new Counter({ name: 'quiesce_service_disabled_total', help: 'Services disabled by the ready-fail rule.', labelNames: ['service'], registers });
    this.#daemonRestarts = new Counter({ name: 'quiesce_daemon_restarts_total', help: 'DAEMON restarts scheduled after a failure.', labelNames: ['daemon'], registers });
    this.#reloads = new Counter({ name: 'quiesce_config_reloads_total', help: 'Config reloads, applied or rejected.', labelNames: ['result'], registers });
    this.#escalations = new Counter({ name: 'quiesce_shutdown_escalations_total', help: 'Shutdown escalations, by the level reached.', labelNames: ['level'], registers });
    this.#commands = new Counter({ name: 'quiesce_shutdown_commands_total', help: 'SHUTDOWN commands run, by result.', labelNames: ['entry', 'result'], registers });
    this.#shutdownSeconds = new Gauge({ name: 'quiesce_shutdown_duration_seconds', help: 'Duration of the finished shutdown.', registers });
    this.#reportFailures = new Counter({ name: 'quiesce_report_write_failures_total', help: 'Shutdown reports that could not be written.', registers });
    this.#replicaReturns = new Counter({ name: 'quiesce_sync_replica_returns_total', help: 'Replica returns after an outage that quiesce saw and woke the rolling sync_client for.', labelNames: ['channel'], registers });
    this.#shutdownExitCode = new Gauge({ name: 'quiesce_shutdown_exit_code', help: 'Exit code decided by the finished shutdown.', registers });
  }

  /** Counts what `e` reports; ignores events no metric is about. */
  observe(e: LogEvent): void {
    if (e.event === 'child.started') this.#childStarts.inc({ entry: e.entry, section: e.section });
    else if (e.event === 'child.exited') this.#childExits.inc({ entry: e.entry, section: e.section, expected: String(e.expected) });
    else if (e.event === 'service.worker-lost') this.#workersLost.inc({ service: e.entry });
    else if (e.event === 'service.disabled') this.#disabled.inc({ service: e.entry });
    else if (e.event === 'daemon.restart-scheduled') this.#daemonRestarts.inc({ daemon: e.entry });
    else if (e.event === 'config.reloaded') this.#reloads.inc({ result: 'applied' });
    else if (e.event === 'config.reload-rejected') this.#reloads.inc({ result: 'rejected' });
    else if (e.event === 'shutdown.escalate') this.#escalations.inc({ level: e.escalation });
    else if (e.event === 'report.failed') this.#reportFailures.inc();
    else if (e.event === 'replication.replica-back') this.#replicaReturns.inc({ channel: channelLabel(e.channel) });
    else if (e.event === 'shutdown.command-done') this.#commands.inc({ entry: e.entry, result: e.ok ? 'ok' : 'failed' });
    else if (e.event === 'shutdown.done') {
      this.#shutdownSeconds.set(e.durationMs / 1000);
      this.#shutdownExitCode.set(e.exitCode);
    }
  }
}
