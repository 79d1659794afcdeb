// Replays what is left in the sync logs with the real sync_client, bounded and retried, then
// verifies on disk that every replication channel is empty.
//
// Run it only when no rolling sync_client owns the logs (its master/supervisor has stopped it):
// two readers would both take `log-run`.
//
// `sync_client -R -1` handles one file per run (log-run first, else log renamed to log-run) and
// EXITS 0 EVEN WHEN THE BATCH FAILED (do_daemon only retries when not in -1 mode), and also when a
// sync_shutdown_file made it quit without reading anything. So its exit code proves nothing:
// a run counts as progress only if the file it took (by inode) is no longer pending afterwards.
//
// Any other `log*` file (an old sync_client's `log-<pid>`) is replayed with `sync_client -R -f FILE`,
// which never unlinks what it was given: the flush removes the file once that run exited 0.
import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Clock } from '../clock.js';
import { ignoreEvents, type ReplicationProgress } from './progress.js';
import type { ImapdConf } from '../config/imapd-conf.js';
import { FLUSH_DEFAULTS } from '../defaults.js';
import { replayArgv, replayFileArgv } from './replay-command.js';
import { describeOutcome, runSyncClient, type RunOutcome, type SyncClientRunner } from './sync-client-run.js';
import { channelLabel, commandLine } from '../text.js';
import { backlogOf, channelsOf, describeBacklog, isEmpty, isReplicated, sameFile, type Channel, type ChannelBacklog, type PendingFile } from './sync-dir.js';

export { replayArgv, replayCommand } from './replay-command.js';

/** Knobs of a flush; anything unset comes from FLUSH_DEFAULTS. */
export interface FlushOptions {
  readonly runTimeoutMs?: number;
  readonly killGraceMs?: number;
  readonly attempts?: number;
  readonly retryDelayMs?: number;
  readonly maxRunsPerAttempt?: number;
  readonly stopOnConnectFailure?: boolean;
  /** sync_client's path (default: the channel's own, Channel.syncClient). */
  readonly syncClient?: string;
  /** Aborting kills the current run and ends the flush (what is left is still reported). */
  readonly cancel?: AbortSignal;
  readonly onEvent?: (e: ReplicationProgress) => void;
  /** Runs one sync_client (tests inject a fake). */
  readonly runner?: SyncClientRunner;
}

/** One sync_client run of a flush. */
export interface FlushRun {
  readonly attempt: number;
  /** The file it replayed, by name: `log-run`, `log`, or another `log*` file. */
  readonly file: string;
  readonly lines: number;
  readonly outcome: RunOutcome;
  readonly progressed: boolean;
}

/** What a flush did to one channel and what it left. */
export interface ChannelFlush {
  readonly channel: string;
  /** Verified on disk after the last run: no log, no log-run, no other log file, nothing unreadable. */
  readonly empty: boolean;
  readonly before: ChannelBacklog;
  readonly left: ChannelBacklog;
  /** Attempts made (0 when the channel was empty to begin with). */
  readonly attempts: number;
  readonly runs: readonly FlushRun[];
  /** Why the last failed attempt failed; undefined when none failed. */
  readonly lastError: string | undefined;
}

/** The outcome of a flush of every replication channel. */
export interface FlushResult {
  /** True only if every replication channel is verifiably empty and sync_client skips no user. */
  readonly ok: boolean;
  readonly channels: readonly ChannelFlush[];
  /** Channels not flushed, and why (squatter's channel). */
  readonly skipped: readonly { readonly channel: string; readonly reason: string }[];
  readonly durationMs: number;
}

type Settings = Required<Omit<FlushOptions, 'cancel' | 'onEvent' | 'runner' | 'syncClient'>> & Pick<FlushOptions, 'cancel' | 'syncClient'> & { emit: (e: ReplicationProgress) => void; run: SyncClientRunner };

/** Flushes every replication channel of `conf`, one after the other. */
export async function flush(conf: ImapdConf, clock: Clock, opts: FlushOptions = {}): Promise<FlushResult> {
  return flushChannels(channelsOf(conf), clock, opts);
}

/** Flushes `channels` (squatter's channel is skipped and reported). */
export async function flushChannels(channels: readonly Channel[], clock: Clock, opts: FlushOptions = {}): Promise<FlushResult> {
  const { onEvent, runner, ...knobs } = opts;
  const s: Settings = { ...FLUSH_DEFAULTS, ...withoutUndefined(knobs), emit: onEvent ?? ignoreEvents, run: runner ?? runSyncClient };
  const started = clock.now();
  const results: ChannelFlush[] = [];
  const skipped: { channel: string; reason: string }[] = [];
  for (const channel of channels) {
    if (channel.consumer === 'squatter') {
      const reason = 'squatter\'s own channel (read by `squatter -R`), not replication';
      skipped.push({ channel: channel.name, reason });
      s.emit({ event: 'replication.flush.skipped', channel: channel.name, reason });
      continue;
    }
    results.push(await flushChannel(channel, clock, s));
  }
  return { ok: results.every((r) => isReplicated(r.left)), channels: results, skipped, durationMs: clock.now() - started };
}

async function flushChannel(channel: Channel, clock: Clock, s: Settings): Promise<ChannelFlush> {
  const before = await backlogOf(channel, clock);
  const runs: FlushRun[] = [];
  let lastError: string | undefined;
  let attempts = 0;
  if (!isEmpty(before)) {
    for (attempts = 1; ; attempts++) {
      const failure = await attempt(channel, attempts, runs, clock, s);
      if (failure === undefined) break;
      lastError = failure;
      if (attempts >= s.attempts || cancelled(s)) break;
      s.emit({ event: 'replication.flush.retry', channel: channel.name, attempt: attempts, delayMs: s.retryDelayMs, reason: failure });
      await clock.sleep(s.retryDelayMs, s.cancel);
      if (cancelled(s)) break;
    }
  }
  const left = await backlogOf(channel, clock);
  const empty = isEmpty(left);
  s.emit({ event: 'replication.flush.channel', channel: channel.name, empty, attempts, runs: runs.length, left: describeBacklog(left), lastError });
  return { channel: channel.name, empty, before, left, attempts, runs, lastError };
}

/**
 * Runs sync_client until the channel is empty; returns why it stopped short, or undefined. At most
 * maxRunsPerAttempt runs on log and log-run, and one on each other file.
 */
async function attempt(channel: Channel, n: number, runs: FlushRun[], clock: Clock, s: Settings): Promise<string | undefined> {
  if (channel.syncHost === undefined) return `no sync_host${channel.name === '' ? '' : ` or ${channel.name}_sync_host`} in ${channel.confFile}: sync_client cannot run`;
  const replayTarget = { confFile: channel.confFile, channel: channel.name };
  const syncClient = s.syncClient ?? channel.syncClient;
  for (let rolling = 0; ;) {
    if (cancelled(s)) return 'cancelled';
    const now = await backlogOf(channel, clock);
    if (now.error !== undefined) return `cannot read the sync log: ${now.error}`;
    const target = now.pending[0];
    if (target === undefined) return undefined;
    if (target.kind !== 'other' && ++rolling > s.maxRunsPerAttempt) return `still not empty after ${s.maxRunsPerAttempt} successful runs: is a writer still appending to ${channelLabel(channel.name)}?`;
    const shutdownFilePresent = channel.shutdownFile !== undefined && existsSync(channel.shutdownFile);
    const argv = target.kind === 'other' ? replayFileArgv(replayTarget, target.path, syncClient) : replayArgv(replayTarget, syncClient);
    const file = basename(target.path);
    s.emit({ event: 'replication.flush.run', channel: channel.name, attempt: n, file, lines: target.lines, command: commandLine(argv) });
    const outcome = await s.run(argv, { timeoutMs: s.runTimeoutMs, killGraceMs: s.killGraceMs, stopOnConnectFailure: s.stopOnConnectFailure }, clock, s.cancel);
    const removeFailed = target.kind === 'other' && outcome.kind === 'exited' && outcome.code === 0 ? await removeReplayed(target) : undefined;
    const after = await backlogOf(channel, clock);
    const progressed = !after.pending.some((f) => sameFile(f, target));
    runs.push({ attempt: n, file, lines: target.lines, outcome, progressed });
    s.emit({
      event: 'replication.flush.run-ended', channel: channel.name, attempt: n, outcome: outcome.kind,
      code: outcome.kind === 'exited' ? outcome.code : null, durationMs: outcome.kind === 'spawn-failed' ? 0 : outcome.durationMs,
      progressed, detail: describeOutcome(outcome),
    });
    if (!progressed) return removeFailed ?? whyNoProgress(target, outcome, shutdownFilePresent ? channel.shutdownFile : undefined);
  }
}

/** Removes an other file sync_client replayed; why not, or undefined. */
async function removeReplayed(f: PendingFile): Promise<string | undefined> {
  try {
    await unlink(f.path);
    return undefined;
  } catch (e) {
    return `sync_client replayed ${f.path} but it cannot be removed: ${(e as Error).message}`;
  }
}

function whyNoProgress(f: PendingFile, o: RunOutcome, shutdownFile: string | undefined): string {
  const file = basename(f.path);
  const tail = o.kind === 'spawn-failed' ? '' : lastLines(o.output);
  const said = tail === '' ? '' : ` (its output ends: ${tail})`;
  if (o.kind !== 'exited') return `sync_client on ${file}: ${describeOutcome(o)}${said}`;
  if (shutdownFile !== undefined) return `sync_client on ${file}: ${describeOutcome(o)} without replaying: the sync_shutdown_file ${shutdownFile} was present (sync_client removes it and quits)`;
  const kept = f.kind === 'log' ? 'log-run (renamed from log) is left behind' : `${file} is still there`;
  return `sync_client on ${file}: ${describeOutcome(o)} but ${kept}: the batch did not reach the replica${said}`;
}

// a function, not an inline test: TypeScript would keep `aborted` narrowed across the awaits
function cancelled(s: Settings): boolean {
  return s.cancel?.aborted === true;
}

function lastLines(output: string): string {
  return output.trim().split('\n').slice(-3).join(' | ').slice(-300);
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
