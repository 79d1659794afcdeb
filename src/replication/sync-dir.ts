// The Cyrus 3.6 sync log layout (imap/sync_log.c) and what is pending in it, per channel.
//
// Per channel there are at most two files: `log`, where writers append events, and `log-run`
// (`<log>-run`), the batch a sync_client renamed `log` to and unlinks only once the batch reached
// the replica. A channel is empty when neither exists.
import { statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { channelSetting, type ImapdConf } from '../config/imapd-conf.js';
import { countLines, countLinesSync, type LineCount } from './line-count.js';
import { replayCommand, SYNC_CLIENT_PATH } from './replay-command.js';
import { channelLabel, formatDuration } from '../text.js';

/** One sync log channel of an instance. */
export interface Channel {
  /** `''` is the default channel. */
  readonly name: string;
  /** Where writers append: `<configdirectory>/sync/log` or `<configdirectory>/sync/<name>/log`. */
  readonly logPath: string;
  /** sync_client's work file: `<logPath>-run`. */
  readonly runPath: string;
  /**
   * Who reads it: the channel named `squatter` is squatter's (rolling indexing, `squatter -R`),
   * not replication; flushing it with sync_client would be wrong.
   */
  readonly consumer: 'sync_client' | 'squatter';
  /** The imapd.conf, for `sync_client -C`. */
  readonly confFile: string;
  /** `<channel>_sync_host`, else `sync_host`: sync_client cannot run without it. */
  readonly syncHost: string | undefined;
  /** `<channel>_sync_shutdown_file`, else `sync_shutdown_file`. */
  readonly shutdownFile: string | undefined;
  /** The sync_client that replays it (the instance's own: its rolling DAEMON's, or SUPERVISOR.bin_dir's). */
  readonly syncClient: string;
}

/** One pending file of a channel. */
export interface PendingFile {
  readonly kind: 'log-run' | 'log';
  readonly path: string;
  readonly bytes: number;
  readonly lines: number;
  /** When the file was created (statx birth time; its mtime where the filesystem has none). */
  readonly bornMs: number;
  /** Last append. */
  readonly modifiedMs: number;
  readonly ino: number;
}

/** What is pending in one channel, at one moment. */
export interface ChannelBacklog {
  /** `''` for the default channel. */
  readonly channel: string;
  /** Paths of the pending files, `log-run` (older) first. */
  readonly files: readonly string[];
  readonly pending: readonly PendingFile[];
  readonly bytes: number;
  readonly lines: number;
  /**
   * Age of the oldest pending entry: now minus the birth time of the oldest pending file (its
   * first line was written when it was created; `log-run` keeps the birth time of the `log` it was
   * renamed from). Not the mtime: a log that writers keep appending to has a fresh mtime however
   * long sync_client has been gone. Undefined when nothing is pending.
   */
  readonly oldestAgeMs: number | undefined;
  /** The command that replays it by hand (once per pending file). */
  readonly replay: string;
  /** Set when a file exists but could not be read: the channel is then NOT verifiably empty. */
  readonly error: string | undefined;
}

/** The channels of `conf`, in sync_log_channels order (the default channel alone when it is unset), replayed by `syncClient`. */
export function channelsOf(conf: ImapdConf, syncClient: string = SYNC_CLIENT_PATH): Channel[] {
  return conf.channels.map((name) => {
    const logPath = name === '' ? join(conf.configDirectory, 'sync', 'log') : join(conf.configDirectory, 'sync', name, 'log');
    return {
      name,
      logPath,
      runPath: `${logPath}-run`,
      consumer: name === 'squatter' ? 'squatter' : 'sync_client',
      confFile: conf.file,
      syncHost: channelSetting(conf, name, 'sync_host'),
      shutdownFile: channelSetting(conf, name, 'sync_shutdown_file'),
      syncClient,
    };
  });
}


/** True when nothing is pending and every file could be read. */
export function isEmpty(b: ChannelBacklog): boolean {
  return b.files.length === 0 && b.error === undefined;
}

type Probe = { kind: 'absent' } | { kind: 'present'; file: PendingFile } | { kind: 'unreadable'; message: string };

/**
 * Reads what is pending in `channel` now, counting lines in chunks. `log` is looked at before
 * `log-run`: sync_client renames log -> log-run, so in that order a rename in between is seen as
 * the same inode twice (counted once), never as two absent files.
 */
export async function backlogOf(channel: Channel, clock: Clock): Promise<ChannelBacklog> {
  const log = await probe(channel.logPath, 'log');
  const run = await probe(channel.runPath, 'log-run');
  return assemble(channel, run, log, clock.now());
}

/** The same, synchronously (bounded memory too; blocks while counting). */
export function backlogOfSync(channel: Channel, clock: Clock): ChannelBacklog {
  const log = probeSync(channel.logPath, 'log');
  const run = probeSync(channel.runPath, 'log-run');
  return assemble(channel, run, log, clock.now());
}

async function probe(path: string, kind: PendingFile['kind']): Promise<Probe> {
  try {
    const s = await stat(path);
    return present(path, kind, s, await countLines(path));
  } catch (e) {
    return failed(path, e);
  }
}

function probeSync(path: string, kind: PendingFile['kind']): Probe {
  try {
    const s = statSync(path);
    return present(path, kind, s, countLinesSync(path));
  } catch (e) {
    return failed(path, e);
  }
}

function present(path: string, kind: PendingFile['kind'], s: Stats, count: LineCount): Probe {
  const bornMs = s.birthtimeMs > 0 ? s.birthtimeMs : s.mtimeMs;
  // bytes from the count: the file may have grown between stat and read
  return { kind: 'present', file: { kind, path, bytes: count.bytes, lines: count.lines, bornMs, modifiedMs: s.mtimeMs, ino: s.ino } };
}

function failed(path: string, e: unknown): Probe {
  // vanished between stat and open: sync_client renamed or unlinked it
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
  return { kind: 'unreadable', message: `${path}: ${(e as Error).message}` };
}

function assemble(channel: Channel, run: Probe, log: Probe, nowMs: number): ChannelBacklog {
  const renamed = run.kind === 'present' && log.kind === 'present' && sameFile(run.file, log.file);
  const probes = renamed ? [run] : [run, log];
  const pending = probes.flatMap((p) => (p.kind === 'present' ? [p.file] : []));
  const errors = probes.flatMap((p) => (p.kind === 'unreadable' ? [p.message] : []));
  const oldest = pending.length === 0 ? undefined : Math.min(...pending.map((f) => f.bornMs));
  return {
    channel: channel.name,
    files: pending.map((f) => f.path),
    pending,
    bytes: pending.reduce((n, f) => n + f.bytes, 0),
    lines: pending.reduce((n, f) => n + f.lines, 0),
    oldestAgeMs: oldest === undefined ? undefined : Math.max(0, nowMs - oldest),
    replay: replayCommand({ confFile: channel.confFile, channel: channel.name }, channel.syncClient),
    error: errors.length === 0 ? undefined : errors.join('; '),
  };
}

/**
 * True when two looks saw the same file. The inode alone is not enough: ext4 hands a freed inode
 * number to the next new file, so a `log` created right after sync_client unlinked `log-run` often
 * has the old number. The birth time tells them apart.
 */
export function sameFile(a: PendingFile, b: PendingFile): boolean {
  return a.ino === b.ino && a.bornMs === b.bornMs;
}

/** `channel (default): log-run + log, 12 lines, 1204 bytes, oldest 3 s`. */
export function describeBacklog(b: ChannelBacklog): string {
  if (isEmpty(b)) return `channel ${channelLabel(b.channel)}: empty`;
  const files = b.pending.map((f) => f.kind).join(' + ');
  const age = b.oldestAgeMs === undefined ? '' : `, oldest ${formatDuration(b.oldestAgeMs)}`;
  const error = b.error === undefined ? '' : `, UNREADABLE: ${b.error}`;
  return `channel ${channelLabel(b.channel)}: ${files === '' ? 'no files' : files}, ${b.lines} lines, ${b.bytes} bytes${age}${error}`;
}
