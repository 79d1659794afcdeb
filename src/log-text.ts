// The human sentence (`msg`) of every log event; log-events.ts is the vocabulary, log.ts the writer.
import { unreachable } from './errors.js';
import type { LogEvent } from './log-events.js';
import { channelLabel, describeSyncTarget, formatDuration } from './text.js';

/** The human sentence of an event (`msg`); the structured fields carry the same facts. */
export function describe(e: LogEvent): string {
  switch (e.event) {
    case 'supervisor.starting':
      return `quiesce ${e.version} starting with ${e.config} (pid ${e.supervisorPid})`;
    case 'supervisor.running':
      return `running; ${e.stopHint}`;
    case 'supervisor.exit':
      return `exiting with code ${e.code}: ${e.reason}`;
    case 'supervisor.error':
      return `internal error: ${e.message}`;
    case 'supervisor.fork-server-error':
      return `${e.message}; workers started from now on go through Node's spawn`;
    case 'config.invalid':
      return `invalid config ${e.file}:\n  ${e.diagnostics.join('\n  ')}`;
    case 'config.warning':
      return `${e.diagnostic} (what Cyrus ignores, quiesce drops)`;
    case 'config.reloaded':
      return `reloaded ${e.file} (generation ${e.generation}): added [${e.added.join(', ')}], removed [${e.removed.join(', ')}], changed [${e.changed.join(', ')}]${e.applying.length > 0 ? `; waiting for the old process of [${e.applying.join(', ')}] to stop` : ''}`;
    case 'config.reload-rejected':
      return `reload rejected, keeping the running config (generation ${e.generation}); ${e.file}:\n  ${e.diagnostics.join('\n  ')}`;
    case 'signal.ignored':
      return `got ${e.signal}, which has no meaning for quiesce: ignored (counted in \`quiesce status\`; further ones are not logged)`;
    case 'signal.received':
      return `got ${e.signal}: ${e.action}`;
    case 'log.reopened':
      return `log file ${e.file} reopened (${e.reason})`;
    case 'log.failed':
      return `cannot write the log file ${e.file} (${e.error}): logging to stderr until it can be written again (retried every second; SIGUSR1 reopens it)`;
    case 'log.recovered':
      return `the log file ${e.file} can be written again after ${formatDuration(e.failedForMs)} of ${e.error}; ${e.fallbackLines} line(s) went to stderr meanwhile, ${e.droppedLines} were lost`;
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
      return `START ${e.entry} failed (${e.outcome}); not starting anything else${stderrOf(e.stderrTail)}`;
    case 'start.interrupted':
      return `START ${e.entry} interrupted by a shutdown signal`;
    case 'daemon.restart-scheduled':
      return `DAEMON ${e.entry}: restarting in ${e.delayMs} ms (${e.failures} quick failure(s) in a row)`;
    case 'daemon.retrying':
      return `ERROR: too many failures for DAEMON ${e.entry} (${e.failures} quick failures in a row): retrying every ${Math.round(e.everyMs / 1000)} s from now on; a reload (SIGHUP) retries at once`;
    case 'daemon.not-ready':
      return `DAEMON ${e.entry} (wait: true) ${e.reason}; not starting anything else`;
    case 'event.behind':
      return `EVENT ${e.entry}: periodic event behind schedule by ${Math.round(e.lateMs / 1000)} s, skipped=${e.skipped} (the missed runs are not made up)`;
    case 'event.skipped':
      return `EVENT ${e.entry}: previous run ${e.entry}[${e.runningPid}] still running, skipping this run`;
    case 'service.worker-lost':
      return `SERVICE ${e.entry}: worker ${e.pid} exited${e.replacing ? ', starting a replacement' : ''}`;
    case 'service.disabled':
      return `ERROR: too many failures for service ${e.entry}, disabling until next SIGHUP: ${e.reason}`;
    case 'service.cooling':
      return `ERROR: too many failures for service ${e.entry}, disabling for ${Math.round(e.waitMs / 1000)} seconds (babysit: then one more worker): ${e.reason}`;
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
      return `shutdown escalated to ${e.escalation} (${e.trigger})`;
    case 'shutdown.command-begin':
      return `SHUTDOWN ${e.entry}: running (timeout ${e.timeoutMs} ms)`;
    case 'shutdown.command-done':
      return `SHUTDOWN ${e.entry}: ${e.outcome} after ${e.durationMs} ms${stderrOf(e.stderrTail)}`;
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
      return `${e.pids.length} process(es) left by an earlier quiesce that died: ${e.pids.map((p, i) => `${p} (${e.cmdlines[i] ?? ''})`).join(', ')}${e.stopping.length > 0 ? `; stopping the ${e.stopping.length} of this config's previous quiesce (pid ${e.previousPid ?? '?'}) before binding` : ''}`;
    case 'leftovers.stopped':
      return `stopped ${e.pids.length} leftover process(es) in ${e.durationMs} ms${e.killed.length > 0 ? ` (SIGKILL for ${e.killed.join(', ')})` : ''}`;
    case 'cyrus.proc-swept':
      return `removed ${e.pids.length} stale proc file(s) from ${e.dir} (processes that are gone)`;
    case 'cyrus.report-failed':
      return `master.txt: ${e.message}`;
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
      return `sync log channel ${channelLabel(e.channel)}: a log-run or other log file no sync_client was working on was replayed: ${e.empty ? 'channel empty now' : `not emptied (${e.detail})`}`;
    case 'replication.replica-down':
      return `sync log channel ${channelLabel(e.channel)}: ${e.entry} cannot reach the replica at ${e.address}${e.probing ? '; quiesce looks every second and wakes it once the replica answers' : '; quiesce cannot look for its return, sync_client retries on its own'} (${e.line})`;
    case 'replication.replica-back':
      return `sync log channel ${channelLabel(e.channel)}: the replica at ${e.address} answers again after ${formatDuration(e.downForMs)}: ${e.woken} sync_client(s) woken, ${e.restarted} restarted`;
    case 'replication.sync-error':
      return `sync log channel ${channelLabel(e.channel)}: ${describeSyncTarget(e)} failed to replicate: ${e.reason}; replay with: ${e.replay}`;
    case 'replication.sync-recovered':
      return `sync log channel ${channelLabel(e.channel)}: ${describeSyncTarget(e)} replicated again (the failed batch completed) after ${formatDuration(e.failedForMs)} and ${e.count} failure line(s)`;
    case 'replication.backlog-level':
      return `sync log channel ${channelLabel(e.channel)}: backlog ${e.from} -> ${e.to.toUpperCase()} (${e.lines} lines, ${e.bytes} bytes${e.oldestAgeMs === null ? '' : `, oldest ${formatDuration(e.oldestAgeMs)}`})${e.reasons.length > 0 ? `: ${e.reasons.join(', ')}` : ''}`;
    default:
      return unreachable(e);
  }
}

/** The last stderr lines of a failed command, for its sentence (pretty logs show sentences only). */
function stderrOf(tail: readonly string[]): string {
  return tail.length === 0 ? '' : `; its last stderr: ${tail.join(' | ')}`;
}
