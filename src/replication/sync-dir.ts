// The Cyrus 3.6 sync log layout (imap/sync_log.c) and what is pending in it, per channel.
//
// Per channel Cyrus 3.x writes two files: `log`, where writers append events, and `log-run`
// (`<log>-run`), the batch a sync_client renamed `log` to and unlinks only once the batch reached
// the replica. Any other `log*` file in the channel's directory is pending too: an old
// sync_client's `log-<pid>` work file (Cyrus 2.4 named its batch so, and a 3.x sync_client never
// looks at it), or a log someone saved. Only `sync_client -R -f FILE` replays one of those. And a
// `skipuser-<userid>` file there makes sync_client skip that user (Cyrus 3.12, imap/sync_support.c
// sync_skipuser): the user is not replicated, whatever the logs say. A channel is replicated when
// none of these exists.
import { readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Clock } from '../clock.js';
import { channelSetting, type ImapdConf } from '../config/imapd-conf.js';
import { countLines, countLinesSync, type LineCount } from './line-count.js';
import { replayCommand, replayFileCommand, skippedUserCommand, SYNC_CLIENT_PATH } from './replay-command.js';
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
  /** `<channel>_sync_port`, else `sync_port` (unset: the `csync` service, or a port in syncHost). */
  readonly syncPort: string | undefined;
  /** `<channel>_sync_shutdown_file`, else `sync_shutdown_file`. */
  readonly shutdownFile: string | undefined;
  /** The sync_client that replays it (the instance's own: its rolling DAEMON's, or SUPERVISOR.bin_dir's). */
  readonly syncClient: string;
}

/**
 * What a pending file is: sync_client's own two (`sync_client -R -1` replays them, and the rolling
 * sync_client drains them), or `other`, any other `log*` file in the channel's directory, which
 * only `sync_client -R -f FILE` replays.
 */
export type PendingKind = 'log-run' | 'log' | 'other';

/** One pending file of a channel. */
export interface PendingFile {
  readonly kind: PendingKind;
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
  /** Paths of the pending files: `log-run` (older) first, then `log`, then the others by name. */
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
  /** Users sync_client skips: a `skipuser-<userid>` file in the channel's directory (Cyrus 3.12), by user. */
  readonly skipped: readonly SkippedUser[];
  /**
   * The command(s) that replay it by hand, `; `-separated: the `-R -1` one (once per log/log-run,
   * and alone when nothing is pending), one per other file, one per skipped user.
   */
  readonly replay: string;
  /** Set when a file exists but could not be read: the channel is then NOT verifiably empty. */
  readonly error: string | undefined;
}

/** A user sync_client leaves out of a channel, and the file that says so. */
export interface SkippedUser {
  readonly user: string;
  readonly path: string;
}

/** The prefix of the file that makes sync_client skip a user (imap/sync_support.c sync_skipuser). */
export const SKIPUSER_PREFIX = 'skipuser-';

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
      syncPort: channelSetting(conf, name, 'sync_port'),
      shutdownFile: channelSetting(conf, name, 'sync_shutdown_file'),
      syncClient,
    };
  });
}


/** True when no file is pending and everything could be read (what a flush empties). */
export function isEmpty(b: ChannelBacklog): boolean {
  return b.files.length === 0 && b.error === undefined;
}

/** True when `log` or `log-run` is pending, or something could not be read: what the rolling sync_client still has to drain. */
export function awaitsSyncClient(b: ChannelBacklog): boolean {
  return b.error !== undefined || b.pending.some((f) => f.kind !== 'other');
}

/** True when the channel is empty and sync_client skips no user: everything in it reached the replica. */
export function isReplicated(b: ChannelBacklog): boolean {
  return isEmpty(b) && b.skipped.length === 0;
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
  const dir = await listing(channel, () => readdir(dirname(channel.logPath), { withFileTypes: true }));
  const others = await Promise.all(dir.others.map((path) => probe(path, 'other')));
  return assemble(channel, [run, log, ...others], dir, clock.now());
}

/** The same, synchronously (bounded memory too; blocks while counting). */
export function backlogOfSync(channel: Channel, clock: Clock): ChannelBacklog {
  const log = probeSync(channel.logPath, 'log');
  const run = probeSync(channel.runPath, 'log-run');
  const dir = listingSync(channel, () => readdirSync(dirname(channel.logPath), { withFileTypes: true }));
  const others = dir.others.map((path) => probeSync(path, 'other'));
  return assemble(channel, [run, log, ...others], dir, clock.now());
}

/** What the channel's directory holds besides `log` and `log-run`. */
interface Listing {
  /** Other `log*` entries (not directories), by name. */
  readonly others: readonly string[];
  readonly skipped: readonly SkippedUser[];
  readonly error: string | undefined;
}

async function listing(channel: Channel, read: () => Promise<Dirent[]>): Promise<Listing> {
  try {
    return entriesOf(channel, await read());
  } catch (e) {
    return unlisted(channel, e);
  }
}

function listingSync(channel: Channel, read: () => Dirent[]): Listing {
  try {
    return entriesOf(channel, read());
  } catch (e) {
    return unlisted(channel, e);
  }
}

function entriesOf(channel: Channel, entries: readonly Dirent[]): Listing {
  const dir = dirname(channel.logPath);
  const own = new Set([basename(channel.logPath), basename(channel.runPath)]);
  // the default channel's directory also holds the named channels' directories: never a log
  const names = entries.map((d) => d.name).sort();
  const isDir = new Set(entries.filter((d) => d.isDirectory()).map((d) => d.name));
  return {
    others: names.filter((n) => n.startsWith('log') && !own.has(n) && !isDir.has(n)).map((n) => join(dir, n)),
    skipped: names.filter((n) => n.startsWith(SKIPUSER_PREFIX) && n.length > SKIPUSER_PREFIX.length).map((n) => ({ user: n.slice(SKIPUSER_PREFIX.length), path: join(dir, n) })),
    error: undefined,
  };
}

function unlisted(channel: Channel, e: unknown): Listing {
  // no sync directory yet: nothing was ever logged
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { others: [], skipped: [], error: undefined };
  return { others: [], skipped: [], error: `${dirname(channel.logPath)}: ${(e as Error).message}` };
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

function assemble(channel: Channel, [run, log, ...others]: [Probe, Probe, ...Probe[]], dir: Listing, nowMs: number): ChannelBacklog {
  const renamed = run.kind === 'present' && log.kind === 'present' && sameFile(run.file, log.file);
  const probes = [run, ...(renamed ? [] : [log]), ...others];
  const pending = probes.flatMap((p) => (p.kind === 'present' ? [p.file] : []));
  const errors = [...probes.flatMap((p) => (p.kind === 'unreadable' ? [p.message] : [])), ...(dir.error === undefined ? [] : [dir.error])];
  const oldest = pending.length === 0 ? undefined : Math.min(...pending.map((f) => f.bornMs));
  return {
    channel: channel.name,
    files: pending.map((f) => f.path),
    pending,
    bytes: pending.reduce((n, f) => n + f.bytes, 0),
    lines: pending.reduce((n, f) => n + f.lines, 0),
    oldestAgeMs: oldest === undefined ? undefined : Math.max(0, nowMs - oldest),
    skipped: dir.skipped,
    replay: replayOf(channel, pending, dir.skipped),
    error: errors.length === 0 ? undefined : errors.join('; '),
  };
}

function replayOf(channel: Channel, pending: readonly PendingFile[], skipped: readonly SkippedUser[]): string {
  const target = { confFile: channel.confFile, channel: channel.name };
  const others = pending.filter((f) => f.kind === 'other');
  const rolling = pending.length > others.length || (others.length === 0 && skipped.length === 0);
  return [
    ...(rolling ? [replayCommand(target, channel.syncClient)] : []),
    ...others.map((f) => replayFileCommand(target, f.path, channel.syncClient)),
    ...skipped.map((u) => skippedUserCommand(target, u.user, u.path, channel.syncClient)),
  ].join('; ');
}

/**
 * True when two looks saw the same file. The inode alone is not enough: ext4 hands a freed inode
 * number to the next new file, so a `log` created right after sync_client unlinked `log-run` often
 * has the old number. The birth time tells them apart.
 */
export function sameFile(a: PendingFile, b: PendingFile): boolean {
  return a.ino === b.ino && a.bornMs === b.bornMs;
}

/** `channel (default): log-run + log, 12 lines, 1204 bytes, oldest 3 s`, and the users skipped. */
export function describeBacklog(b: ChannelBacklog): string {
  if (isReplicated(b)) return `channel ${channelLabel(b.channel)}: empty`;
  const skipped = describeSkipped(b);
  if (isEmpty(b)) return `channel ${channelLabel(b.channel)}: empty, but ${skipped}`;
  const files = b.pending.map((f) => basename(f.path)).join(' + ');
  const age = b.oldestAgeMs === undefined ? '' : `, oldest ${formatDuration(b.oldestAgeMs)}`;
  const error = b.error === undefined ? '' : `, UNREADABLE: ${b.error}`;
  return `channel ${channelLabel(b.channel)}: ${files === '' ? 'no files' : files}, ${b.lines} lines, ${b.bytes} bytes${age}${error}${skipped === '' ? '' : `; ${skipped}`}`;
}

/** `user alice NOT replicated (sync_client skips it: /var/lib/cyrus/sync/skipuser-alice)`, one clause per user; '' when none. */
function describeSkipped(b: ChannelBacklog): string {
  return b.skipped.map((s) => `user ${s.user} NOT replicated (sync_client skips it: ${s.path})`).join(', ');
}
