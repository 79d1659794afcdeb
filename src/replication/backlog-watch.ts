// A periodic look at the sync log backlog of each replication channel, for status and metrics:
// a level per channel (ok / warn / critical, on bytes or on the age of the oldest entry), an event
// only when a level changes, and the last snapshot on demand.
import type { Clock } from '../clock.js';
import { BACKLOG_THRESHOLDS, DEFAULTS } from '../defaults.js';
import type { BacklogLevel, ReplicationProgress } from './progress.js';
import { backlogOf, type Channel, type ChannelBacklog } from './sync-dir.js';

/** Where a backlog becomes worth a warning, and where it becomes critical. */
export interface BacklogThresholds {
  readonly warnBytes: number;
  readonly warnAgeMs: number;
  readonly criticalBytes: number;
  readonly criticalAgeMs: number;
}


/** One channel as last seen. */
export interface ChannelLevel {
  readonly backlog: ChannelBacklog;
  readonly level: BacklogLevel;
  /** Which thresholds were crossed, e.g. `bytes 20480 >= 10240`; empty when ok. */
  readonly reasons: readonly string[];
}

/** The watch's last look at every channel. */
export interface BacklogSnapshot {
  /** When the last check finished; undefined before the first. */
  readonly checkedAtMs: number | undefined;
  /** The worst channel level. */
  readonly level: BacklogLevel;
  readonly channels: readonly ChannelLevel[];
}

const RANK: Record<BacklogLevel, number> = { ok: 0, warn: 1, critical: 2 };

/** The level of one backlog under `t`, with the thresholds it crossed. Unreadable counts as critical, a skipped user as at least warn. */
export function levelOf(b: ChannelBacklog, t: BacklogThresholds = BACKLOG_THRESHOLDS): { level: BacklogLevel; reasons: string[] } {
  if (b.error !== undefined) return { level: 'critical', reasons: [`unreadable: ${b.error}`] };
  const age = b.oldestAgeMs ?? 0;
  const crossed = (bytes: number, ageMs: number): string[] => [
    ...(b.bytes >= bytes ? [`bytes ${b.bytes} >= ${bytes}`] : []),
    ...(b.files.length > 0 && age >= ageMs ? [`oldest entry ${age} ms >= ${ageMs} ms`] : []),
  ];
  const critical = crossed(t.criticalBytes, t.criticalAgeMs);
  if (critical.length > 0) return { level: 'critical', reasons: critical };
  // a skipped user is someone's decision (a user being moved), but never replicated while it lasts
  const warn = [...crossed(t.warnBytes, t.warnAgeMs), ...b.skipped.map((u) => `user ${u.user} skipped (${u.path})`)];
  return warn.length > 0 ? { level: 'warn', reasons: warn } : { level: 'ok', reasons: [] };
}

/** What the watch needs. */
export interface BacklogWatchDeps {
  readonly clock: Clock;
  readonly onEvent: (e: ReplicationProgress) => void;
  /** Reads one channel (default: backlogOf). */
  readonly read?: (channel: Channel, clock: Clock) => Promise<ChannelBacklog>;
}

/** Checks the backlog of `channels` every interval until cancelled. Pass replication channels only. */
export class BacklogWatch {
  readonly #channels: readonly Channel[];
  readonly #deps: BacklogWatchDeps;
  readonly #thresholds: BacklogThresholds;
  readonly #intervalMs: number;
  #snapshot: BacklogSnapshot = { checkedAtMs: undefined, level: 'ok', channels: [] };

  constructor(channels: readonly Channel[], deps: BacklogWatchDeps, opts: { thresholds?: BacklogThresholds; intervalMs?: number } = {}) {
    this.#channels = channels;
    this.#deps = deps;
    this.#thresholds = opts.thresholds ?? BACKLOG_THRESHOLDS;
    this.#intervalMs = opts.intervalMs ?? DEFAULTS.syncBacklogIntervalMs;
  }

  /** The last snapshot (all `ok`, no channels, before the first check). */
  snapshot(): BacklogSnapshot {
    return this.#snapshot;
  }

  /** Checks every channel now, emits level changes, and returns the new snapshot. */
  async check(): Promise<BacklogSnapshot> {
    const { clock, onEvent } = this.#deps;
    const read = this.#deps.read ?? backlogOf;
    const previous = new Map(this.#snapshot.channels.map((c) => [c.backlog.channel, c.level]));
    const channels: ChannelLevel[] = [];
    for (const channel of this.#channels) {
      const backlog = await read(channel, clock);
      const { level, reasons } = levelOf(backlog, this.#thresholds);
      const from = previous.get(channel.name) ?? 'ok';
      if (level !== from) {
        onEvent({ event: 'replication.backlog.level', channel: channel.name, from, to: level, bytes: backlog.bytes, lines: backlog.lines, oldestAgeMs: backlog.oldestAgeMs, reasons });
      }
      channels.push({ backlog, level, reasons });
    }
    const level = channels.reduce<BacklogLevel>((worst, c) => (RANK[c.level] > RANK[worst] ? c.level : worst), 'ok');
    this.#snapshot = { checkedAtMs: clock.now(), level, channels };
    return this.#snapshot;
  }

  /** Checks now and then every interval; resolves when `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.check();
      await this.#deps.clock.sleep(this.#intervalMs, signal);
    }
  }
}
