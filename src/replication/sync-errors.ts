// The mailboxes and users each channel's rolling sync_client failed on, since when, and whether
// that failure was settled since.
//
// When is a failure over? sync_client never logs a success (unless verbose). But a rolling
// sync_client works on `log-run` and keeps it when the batch fails (it unlinks `log-run` only once
// the whole batch reached the replica, imap/sync_log.c), and it retries it. So once the channel's
// directory is read and has no `log-run`, every failure logged before that read started belongs
// to a batch that was completed since: settled. A read that cannot list the directory settles
// nothing. (A `log-run` an administrator removes by hand settles its failures too.)
import { channelLabel, commandLine, describeSyncTarget } from '../text.js';
import { mailboxSyncArgv, replayCommand, userSyncArgv } from './replay-command.js';
import { userOfMailbox, type SyncLine } from './sync-error-line.js';
import type { Channel, ChannelBacklog } from './sync-dir.js';

/** One mailbox, user or batch of a channel that failed and has not been settled. */
export interface SyncFailure {
  /** `''` for the default channel. */
  readonly channel: string;
  /** The mailbox's internal name as sync_client logged it; undefined when only a user or the batch was named. */
  readonly mailbox: string | undefined;
  /** Whose mailbox it is (undefined for a shared mailbox or a batch). */
  readonly user: string | undefined;
  /** The latest line's reason. */
  readonly reason: string;
  readonly firstMs: number;
  readonly lastMs: number;
  /** Lines that reported it. */
  readonly count: number;
  /** What replicates it by hand: `sync_client ... -u USER`, `-m MAILBOX`, or the channel's `-R -1`. */
  readonly replay: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface ChannelErrors {
  /** Every failure line recognised since start (never decreases). */
  total: number;
  readonly failing: Map<string, Mutable<SyncFailure>>;
}

/** A failure's key in its channel: the mailbox, else the user, else the batch. */
const keyOf = (mailbox: string | undefined, user: string | undefined): string => (mailbox !== undefined ? `m:${mailbox}` : user !== undefined ? `u:${user}` : 'batch');

/** The sync errors of every channel of one instance. */
export class SyncErrors {
  readonly #channels = new Map<string, ChannelErrors>();

  /** A line of `channel`'s rolling sync_client (syncLineOf); the failure it reports and whether it is new (undefined: none). */
  record(channel: Channel, line: SyncLine, nowMs: number): { readonly failure: SyncFailure; readonly isNew: boolean } | undefined {
    const errors = this.#of(channel.name);
    if (line.kind === 'promoted') {
      // the failed mailbox's user, as Cyrus itself worked it out
      const f = errors.failing.get(keyOf(line.mailbox, undefined));
      if (f !== undefined && f.user === undefined) Object.assign(f, { user: line.user, replay: replayOf(channel, line.mailbox, line.user) });
      return undefined;
    }
    errors.total++;
    const mailbox = line.kind === 'mailbox' ? line.mailbox : undefined;
    const user = line.kind === 'user' ? line.user : mailbox === undefined ? undefined : userOfMailbox(mailbox);
    const key = keyOf(mailbox, line.kind === 'user' ? user : undefined);
    const known = errors.failing.get(key);
    if (known !== undefined) {
      Object.assign(known, { reason: line.reason, lastMs: nowMs, count: known.count + 1 });
      return { failure: known, isNew: false };
    }
    const failure = { channel: channel.name, mailbox, user, reason: line.reason, firstMs: nowMs, lastMs: nowMs, count: 1, replay: replayOf(channel, mailbox, user) };
    errors.failing.set(key, failure);
    return { failure, isNew: true };
  }

  /** A read of `b` that started at `readStartedMs`: settles the failures it proves over and returns them. */
  settle(b: ChannelBacklog, readStartedMs: number): SyncFailure[] {
    const errors = this.#channels.get(b.channel);
    if (errors === undefined || b.error !== undefined || b.pending.some((f) => f.kind === 'log-run')) return [];
    const settled = [...errors.failing.entries()].filter(([, f]) => f.lastMs < readStartedMs);
    for (const [key] of settled) errors.failing.delete(key);
    return settled.map(([, f]) => ({ ...f }));
  }

  /**
   * What failed in `channel` and is not settled, oldest first, and the failure lines counted since
   * start. The failed batch is listed only when no mailbox or user of it was named: it is their
   * failure, said again.
   */
  of(channel: string): { readonly total: number; readonly failing: readonly SyncFailure[] } {
    const errors = this.#channels.get(channel);
    const all = [...(errors?.failing.values() ?? [])].map((f) => ({ ...f }));
    const named = all.filter((f) => f.mailbox !== undefined || f.user !== undefined);
    return { total: errors?.total ?? 0, failing: named.length > 0 ? named : all };
  }

  /** Every failure not settled, channel by channel. */
  failing(): SyncFailure[] {
    return [...this.#channels.keys()].flatMap((c) => this.of(c).failing);
  }

  #of(channel: string): ChannelErrors {
    let errors = this.#channels.get(channel);
    if (errors === undefined) {
      errors = { total: 0, failing: new Map() };
      this.#channels.set(channel, errors);
    }
    return errors;
  }
}

function replayOf(channel: Channel, mailbox: string | undefined, user: string | undefined): string {
  const target = { confFile: channel.confFile, channel: channel.name };
  if (user !== undefined) return commandLine(userSyncArgv(target, user, channel.syncClient));
  if (mailbox !== undefined) return commandLine(mailboxSyncArgv(target, mailbox, channel.syncClient));
  return replayCommand(target, channel.syncClient);
}

/** One line for the verdict and the log: what failed, how often, why, and how to replay it (pure). */
export function describeFailure(f: SyncFailure): string {
  return `channel ${channelLabel(f.channel)}: ${describeSyncTarget(f)} failed to replicate (${f.count} time(s), last: ${f.reason}); replay with: ${f.replay}`;
}
