// The replication step of a shutdown: with the writers stopped and the rolling sync_client still
// running, wait until every sync log channel is empty (bounded), then, after the SHUTDOWN commands,
// verify that nothing is left to replicate.
import type { Clock } from '../clock.js';
import type { Log } from '../log.js';

/** What is pending in one sync log channel. */
export interface ChannelBacklog {
  /** `""` for the default channel. */
  readonly channel: string;
  /** Pending files present (`log`, `log-run`), as paths. */
  readonly files: readonly string[];
  readonly bytes: number;
  readonly lines: number;
  /** Age of the oldest pending file (its mtime), undefined when empty. */
  readonly oldestAgeMs: number | undefined;
  /** The command that replays it by hand. */
  readonly replay: string;
}

/** How the supervisor sees the instance's replication. */
export interface Replication {
  /** Reads every channel's backlog now. */
  readonly read: () => readonly ChannelBacklog[];
  /** How long the drain waits for the rolling sync_client (SUPERVISOR.sync_drain_timeout). */
  readonly drainTimeoutMs: number;
  /** True while a rolling sync_client is alive (or about to be restarted) to drain the logs. */
  readonly replicating: () => boolean;
}

/** How often the drain looks at the sync log directory. */
export const DRAIN_POLL_MS = 200;

/** `channel "" (default): log-run + log, 12 lines, 1.2 KB, oldest 3 s`. */
export function describeBacklog(b: ChannelBacklog): string {
  const files = b.files.map((f) => f.split('/').pop()).join(' + ');
  const age = b.oldestAgeMs === undefined ? '' : `, oldest ${Math.round(b.oldestAgeMs / 1000)} s`;
  return `channel ${b.channel === '' ? '(default)' : b.channel}: ${files}, ${b.lines} lines, ${b.bytes} bytes${age}; replay with: ${b.replay}`;
}

/** Channels with something pending. */
export const pending = (all: readonly ChannelBacklog[]): ChannelBacklog[] => all.filter((b) => b.files.length > 0);

/**
 * Waits until no channel has a pending file, the drain timeout passes, nothing can drain the logs
 * any more (no live sync_client), or `skip` aborts (a second shutdown signal). Returns what is left.
 */
export async function drainSyncLogs(r: Replication, deps: { clock: Clock; log: Log; progressIntervalMs: number }, skip: AbortSignal): Promise<readonly ChannelBacklog[]> {
  const { clock, log } = deps;
  const started = clock.now();
  const deadline = started + r.drainTimeoutMs;
  let nextReport = started;
  for (;;) {
    const left = pending(r.read());
    if (left.length === 0) {
      log.emit({ event: 'replication.drained', durationMs: clock.now() - started });
      return left;
    }
    const why = skip.aborted ? 'skipped by a second shutdown signal' : clock.now() >= deadline ? `sync_drain_timeout (${r.drainTimeoutMs} ms) passed` : !r.replicating() ? 'no rolling sync_client is running' : undefined;
    if (why !== undefined) {
      log.emit({ event: 'replication.not-drained', reason: why, backlog: left.map(describeBacklog) });
      return left;
    }
    if (clock.now() >= nextReport) {
      log.emit({ event: 'replication.backlog', channels: left.map(describeBacklog), remainingMs: deadline - clock.now() });
      nextReport = clock.now() + deps.progressIntervalMs;
    }
    await clock.sleep(Math.min(DRAIN_POLL_MS, deadline - clock.now()), skip);
  }
}
