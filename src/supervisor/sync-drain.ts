// The replication step of a shutdown: with the writers stopped and the rolling sync_client still
// running, wait until every sync log channel is empty (bounded), then, after the SHUTDOWN commands,
// verify that nothing is left to replicate.
import type { Clock } from '../clock.js';
import type { Log } from '../log.js';
import type { SyncFailure } from '../replication/sync-errors.js';
import { awaitsSyncClient, describeBacklog as describeChannel, isReplicated, type ChannelBacklog } from '../replication/sync-dir.js';

export type { ChannelBacklog } from '../replication/sync-dir.js';

/** What the drain reads: the sync logs, and whether anything still empties them. */
export interface Replication {
  /** Reads every channel's backlog now. */
  readonly read: () => readonly ChannelBacklog[];
  /** How long the drain waits for the rolling sync_client (SUPERVISOR.sync_drain_timeout). */
  readonly drainTimeoutMs: number;
  /** True while a rolling sync_client is alive (or about to be restarted) to drain the logs. */
  readonly replicating: () => boolean;
  /** Asks the rolling sync_clients that sleep for their next pass now instead of after sync_repeat_interval (see wakeSyncClients); how many were asked. */
  readonly wake?: () => number;
  /** Restarts at once a rolling sync_client waiting out its restart delay (see resumeSyncClients); how many. */
  readonly resume?: () => number;
  /** Settles the sync errors a read (started at `readStartedMs`) proves over; returns those still failing (sync-error-watch.ts). */
  readonly settle?: (read: readonly ChannelBacklog[], readStartedMs: number) => readonly SyncFailure[];
}

/** How often the drain looks at the sync log directory (a few stat calls). */
export const DRAIN_POLL_MS = 25;

/** What is left in a channel and the command that replays it. */
export const backlogWithReplay = (b: ChannelBacklog): string => `${describeChannel(b)}; replay with: ${b.replay}`;

/** Channels not replicated: a file pending, a user skipped, or something unreadable (then not verifiably empty). */
export const notReplicated = (all: readonly ChannelBacklog[]): ChannelBacklog[] => all.filter((b) => !isReplicated(b));

/**
 * Waits until no channel has a `log` or `log-run` (what the rolling sync_client drains; other log
 * files and skipped users are the SHUTDOWN flush's, and the verdict's), the drain timeout passes, nothing can drain the logs
 * any more (no live sync_client), or `skip` aborts (a second shutdown signal). Returns what is left.
 */
export async function drainSyncLogs(r: Replication, deps: { clock: Clock; log: Log; progressIntervalMs: number }, skip: AbortSignal): Promise<readonly ChannelBacklog[]> {
  const { clock, log } = deps;
  const started = clock.now();
  const deadline = started + r.drainTimeoutMs;
  let nextReport = started;
  for (;;) {
    const left = r.read().filter(awaitsSyncClient);
    if (left.length === 0) {
      log.emit({ event: 'replication.drained', durationMs: clock.now() - started });
      return left;
    }
    const why = skip.aborted ? 'skipped by a second shutdown signal' : clock.now() >= deadline ? `sync_drain_timeout (${r.drainTimeoutMs} ms) passed` : !r.replicating() ? 'no rolling sync_client is running' : undefined;
    if (why !== undefined) {
      log.emit({ event: 'replication.not-drained', reason: why, backlog: left.map(backlogWithReplay) });
      return left;
    }
    // the writers are stopped, so the logs are complete: no reason to wait out sync_repeat_interval
    r.wake?.();
    // a sync_client that exited meanwhile drains nothing while it waits out its restart delay
    // (its restart is logged as child.started)
    r.resume?.();
    if (clock.now() >= nextReport) {
      log.emit({ event: 'replication.backlog', channels: left.map(backlogWithReplay), remainingMs: deadline - clock.now() });
      nextReport = clock.now() + deps.progressIntervalMs;
    }
    await clock.sleep(Math.min(DRAIN_POLL_MS, deadline - clock.now()), skip);
  }
}
