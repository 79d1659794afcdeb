// `quiesce stop` progress: the log events of a shutdown, as the lines an operator watching it needs.
import type { LogEvent } from '../log.js';
import { formatDuration, listSome } from '../text.js';
import { unreachable } from '../errors.js';
import { nextSignal } from '../child/terminate.js';

/** Children named per `still running` line before `and N more`. */
const MAX_CHILDREN_SHOWN = 6;


/** The progress line of a log event, or undefined when a person watching a stop need not see it. */
export function progressLine(e: LogEvent): string | undefined {
  switch (e.event) {
    case 'shutdown.begin':
      return `${e.mode} shutdown started (${e.trigger})`;
    case 'shutdown.step':
      return `step ${e.step}: ${e.detail}`;
    case 'shutdown.waiting': {
      const next = e.nextEscalationInMs === null ? '' : `; ${nextSignal(e.escalation) ?? 'next escalation'} in ${formatDuration(e.nextEscalationInMs)}`;
      return `  still running (${e.count}): ${listSome(e.children, MAX_CHILDREN_SHOWN)}${next}`;
    }
    case 'shutdown.escalate':
      return `escalated to ${e.escalation} (${e.trigger})`;
    case 'shutdown.command-begin':
      return `running SHUTDOWN ${e.entry} (timeout ${formatDuration(e.timeoutMs)})`;
    case 'shutdown.command-done': {
      const line = `SHUTDOWN ${e.entry}: ${e.outcome} after ${formatDuration(e.durationMs)}`;
      return e.ok || e.stderrTail.length === 0 ? line : [line, ...e.stderrTail.map((l) => `  | ${l}`)].join('\n');
    }
    case 'shutdown.command-skipped':
      return `SHUTDOWN ${e.entry}: skipped (${e.reason})`;
    case 'replication.backlog':
      return `sync logs: ${e.channels.join('; ')} (${Math.ceil(e.remainingMs / 1000)} s left)`;
    case 'replication.not-drained':
      return `sync logs not drained (${e.reason}): ${e.backlog.join('; ')}`;
    case 'replication.left':
      return `NOT replicated: ${e.backlog.join('; ')}`;
    case 'service.closed':
      return `${e.entry}: stopped listening on ${e.address}, new clients are refused`;
    case 'shutdown.stragglers':
      return `killed ${e.pids.length} leftover process(es): ${e.pids.join(', ')}`;
    case 'start.interrupted':
      return `START ${e.entry} interrupted`;
    case 'supervisor.error':
      return `internal error: ${e.message}`;
    // Per-child and steady-state lines: the `still running` summaries cover them during a stop.
    case 'supervisor.fork-server-error':
    case 'child.started':
    case 'child.spawn-failed':
    case 'child.output':
    case 'child.exited':
    case 'child.signalled':
    case 'shutdown.done': // the final `done` reply carries the same verdict
    case 'supervisor.starting':
    case 'supervisor.running':
    case 'supervisor.exit':
    case 'config.invalid':
    case 'config.warning':
    case 'config.reloaded':
    case 'config.reload-rejected':
    case 'signal.received':
    case 'signal.ignored':
    case 'log.reopened':
    case 'log.failed':
    case 'log.recovered':
    case 'start.begin':
    case 'start.failed':
    case 'daemon.restart-scheduled':
    case 'daemon.retrying':
    case 'daemon.not-ready':
    case 'event.skipped':
    case 'event.behind':
    case 'service.worker-lost':
    case 'service.disabled':
    case 'service.cooling':
    case 'service.watcher-lost':
    case 'service.bind-failed':
    case 'service.listening':
    case 'control.listening':
    case 'control.failed':
    case 'notify.unavailable':
    case 'metrics.listening':
    case 'metrics.failed':
    case 'report.written':
    case 'report.failed':
    case 'syslog.listening':
    case 'syslog.failed':
    case 'syslog.line':
    case 'syslog.lost':
    case 'leftovers.found':
    case 'leftovers.stopped':
    case 'cyrus.proc-swept':
    case 'cyrus.report-failed':
    case 'replication.drained':
    case 'replication.verified':
    case 'replication.config-error':
    case 'replication.backlog-level':
    case 'replication.recovered':
    case 'replication.replica-down':
    case 'replication.replica-back':
    case 'replication.sync-error':
    case 'replication.sync-recovered':
      return undefined;
    default:
      return unreachable(e);
  }
}
