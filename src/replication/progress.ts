// What the replication modules report as they work, through a `(e: ReplicationProgress) => void` callback;
// the supervisor maps them onto its log vocabulary (src/log.ts) and metrics.
import type { RunOutcome } from './sync-client-run.js';

/** Backlog severity of a channel. */
export type BacklogLevel = 'ok' | 'warn' | 'critical';

/** Everything flush and the backlog watch report, tagged by `event`. Channel `''` is the default one. */
export type ReplicationProgress =
  /** A sync_client replay run starts on `file` (its name: log-run, log, or another log file) of `channel`. */
  | { readonly event: 'replication.flush.run'; readonly channel: string; readonly attempt: number; readonly file: string; readonly lines: number; readonly command: string }
  /** That run ended; `progressed` = the file it took is gone (the batch reached the replica). */
  | { readonly event: 'replication.flush.run-ended'; readonly channel: string; readonly attempt: number; readonly outcome: RunOutcome['kind']; readonly code: number | null; readonly durationMs: number; readonly progressed: boolean; readonly detail: string }
  /** An attempt failed; the next starts after `delayMs`. */
  | { readonly event: 'replication.flush.retry'; readonly channel: string; readonly attempt: number; readonly delayMs: number; readonly reason: string }
  /** A channel's final verdict, checked on disk after the runs. */
  | { readonly event: 'replication.flush.channel'; readonly channel: string; readonly empty: boolean; readonly attempts: number; readonly runs: number; readonly left: string; readonly lastError: string | undefined }
  /** A channel not flushed (squatter's own channel). */
  | { readonly event: 'replication.flush.skipped'; readonly channel: string; readonly reason: string }
  /** A channel's backlog level changed (the watch emits nothing while it stays the same). */
  | { readonly event: 'replication.backlog.level'; readonly channel: string; readonly from: BacklogLevel; readonly to: BacklogLevel; readonly bytes: number; readonly lines: number; readonly oldestAgeMs: number | undefined; readonly reasons: readonly string[] };

/** A callback that ignores everything, for callers that do not listen. */
export const ignoreEvents = (_e: ReplicationProgress): void => undefined;
