// While running: the sync log backlog of a replication master, checked every sync_backlog_interval,
// logged when a channel crosses a threshold, shown by `quiesce status` and the metrics; and a
// `log-run` (or another log file) that no live sync_client works on (what a "monitorsync" cron job
// did) replayed.
import type { Clock } from '../clock.js';
import type { Config } from '../config/types.js';
import type { Log } from '../log.js';
import { BacklogWatch } from '../replication/backlog-watch.js';
import { flushChannels } from '../replication/flush.js';
import type { Unit } from '../service/unit.js';
import { ReplicaReturn } from './replica-return.js';
import { isReplicating, type ReplicationView } from './replication-of.js';
import type { StatusSnapshot } from './status.js';
import type { SyncErrorWatch } from './sync-error-watch.js';

/** A log-run or other log file older than this many check intervals, with no live sync_client, is replayed. */
export const STALE_LOG_RUN_INTERVALS = 3;

/** The running backlog watch of one supervisor. */
export class ReplicationWatch {
  readonly #stop = new AbortController();
  #watch: BacklogWatch | undefined;
  #replicaReturn: ReplicaReturn | undefined;
  readonly #clock: Clock;
  #syncErrors: SyncErrorWatch | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Starts watching `view` (a replication master's sync logs, with `units`' rolling sync_clients) with `config`'s thresholds; each check settles `syncErrors`. */
  start(view: ReplicationView, config: Config, log: Log, units: () => Iterable<Unit>, syncErrors: SyncErrorWatch): void {
    const { channels } = view;
    this.#syncErrors = syncErrors;
    const replicating = (): boolean => isReplicating(view, units());
    this.#replicaReturn = new ReplicaReturn(view, { clock: this.#clock, log, units });
    this.#replicaReturn.start();
    const s = config.supervisor;
    const watch = new BacklogWatch(channels, {
      clock: this.#clock,
      onEvent: (e) => {
        if (e.event === 'replication.backlog.level') {
          log.emit({ event: 'replication.backlog-level', channel: e.channel, from: e.from, to: e.to, bytes: e.bytes, lines: e.lines, oldestAgeMs: e.oldestAgeMs ?? null, reasons: e.reasons });
        }
      },
    }, {
      intervalMs: s.syncBacklogIntervalMs,
      thresholds: { warnBytes: s.syncBacklogWarnBytes, warnAgeMs: s.syncBacklogWarnAgeMs, criticalBytes: s.syncBacklogCriticalBytes, criticalAgeMs: s.syncBacklogCriticalAgeMs },
    });
    this.#watch = watch;
    const staleMs = STALE_LOG_RUN_INTERVALS * s.syncBacklogIntervalMs;
    void (async () => {
      while (!this.#stop.signal.aborted) {
        const readStartedMs = this.#clock.now();
        const snap = await watch.check();
        syncErrors.settle(snap.channels.map((c) => c.backlog), readStartedMs);
        const stale = snap.channels.filter((c) => c.backlog.pending.some((f) => f.kind !== 'log') && (c.backlog.oldestAgeMs ?? 0) >= staleMs);
        if (stale.length > 0 && !replicating()) {
          const names = new Set(stale.map((c) => c.backlog.channel));
          const result = await flushChannels(channels.filter((c) => names.has(c.name)), this.#clock, { attempts: 1, cancel: this.#stop.signal });
          for (const c of result.channels) log.emit({ event: 'replication.recovered', channel: c.channel, empty: c.empty, detail: c.lastError ?? 'replayed' });
        }
        await this.#clock.sleep(s.syncBacklogIntervalMs, this.#stop.signal);
      }
    })();
  }

  /** Stops the checks (a shutdown begins: the drain takes over). */
  stop(): void {
    this.#stop.abort();
    this.#replicaReturn?.stop();
  }

  /** What `quiesce status` shows. */
  snapshot(): StatusSnapshot['replication'] {
    const snap = this.#watch?.snapshot();
    if (snap === undefined) return undefined;
    return {
      level: snap.level,
      checkedAgoMs: snap.checkedAtMs === undefined ? undefined : this.#clock.now() - snap.checkedAtMs,
      channels: snap.channels.map((c) => {
        const errors = this.#syncErrors?.errors.of(c.backlog.channel);
        return {
          channel: c.backlog.channel, level: c.level, files: c.backlog.files.length, bytes: c.backlog.bytes, lines: c.backlog.lines, oldestAgeMs: c.backlog.oldestAgeMs ?? null, skippedUsers: c.backlog.skipped.map((u) => u.user),
          syncErrors: errors?.total ?? 0,
          failing: (errors?.failing ?? []).map((f) => ({ mailbox: f.mailbox ?? null, user: f.user ?? null, reason: f.reason, count: f.count, sinceAgoMs: this.#clock.now() - f.firstMs, replay: f.replay })),
        };
      }),
    };
  }
}
